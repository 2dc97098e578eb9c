import { env, SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentCreated, palletOrder, stopCompleted } from "../sandbox/qargo-webhooks.mjs";
import { registerCarrier } from "../src/carriers";
import { z } from "zod";
import type { Carrier } from "../src/carriers/carrier";
import { defineJob, type JobContext } from "../src/engine";
import { outboundDocumentPayload, type OutboundDocumentPayload } from "../src/tms/document-job";
import { runScheduled, scheduledTasks } from "../src/cron";
import { admin, postWebhook, uniqueRef, waitFor } from "./support/webhook";
import { sha256Hex } from "./support/sim";

// A fourth network plugged in from test code alone: the intake, the queue consumer, the cron,
// the operator API and /healthz reach it through the Carrier interface, with no change to src/.

type Seen = { kind: string; reference: string; payload: unknown };
const seen: Seen[] = [];
const record = (kind: string) => async (ctx: JobContext<unknown>) => {
  seen.push({ kind, reference: ctx.reference, payload: ctx.payload });
  await ctx.timeline({ kind: "upload", step: kind, outcome: "ok", message: `Stand-in network took ${kind}` });
};

const photoJob = defineJob("standin.photo", outboundDocumentPayload, record("standin.photo"));
const deliveredJob = defineJob("standin.delivered", z.object({ at: z.number() }), record("standin.delivered"));
const updateJob = defineJob("standin.tms-update", z.object({ what: z.string(), role: z.string().nullable(), orderId: z.string() }), record("standin.tms-update"));

const standIn: Carrier = {
  network: "standin",
  label: "Stand-in Network",
  orderFieldValue: "STANDIN",
  settings: () => ({ enabled: true, problems: [] }),
  jobs: [photoJob, deliveredJob, updateJob],
  pulls: [{ name: "standin.pull", run: async () => ({ pulled: 3 }) }],
  refresh: async (_env, reference) => ({ refreshed: reference }),
  documents: {
    route: (_env, doc) =>
      doc.documentType === "PHOTO_OF_GOODS_DELIVERY" ? { kind: photoJob.kind, options: { lane: doc.role } } : { skip: `the stand-in takes photos only, not ${doc.documentType}` },
  },
  onDeliveryCompleted: (_env, stop) => ({
    timeline: [{ kind: "webhook", step: "standin.completed", outcome: "info", message: "delivered" }],
    jobs: [deliveredJob.job({ network: "standin", reference: stop.reference, payload: { at: stop.completedAt }, dedupeKey: `standin.delivered:${stop.stopId}` })],
  }),
  // Every stop or document update of its orders (e.g. statuses reported back to the network),
  // once per stop status or document, whatever the TMS re-sends.
  onTmsUpdate: (_env, seen) => {
    const u = seen.update;
    const what = u.kind === "stop" ? `${u.stopType} ${u.status}` : `${u.documentType} ${u.status}`;
    const once = u.kind === "stop" ? `${u.stopId}:${u.status}` : (u.documentId ?? what);
    return {
      timeline: [{ kind: "webhook", step: "standin.tms-update", outcome: "info", message: `Stand-in saw ${what}` }],
      jobs: [updateJob.job({ network: "standin", reference: seen.reference, payload: { what, role: seen.role, orderId: seen.orderId }, dedupeKey: `standin.tms-update:${once}` })],
    };
  },
  explain: (code) => (code === "STANDIN_DOWN" ? "Ring the stand-in network." : null),
};

let unregister: () => void;
beforeAll(() => {
  unregister = registerCarrier(standIn);
});
afterAll(() => unregister());

describe("a stand-in fourth carrier", () => {
  it("receives a TMS photo for its order through its own job handler, with the bytes in R2 and its route options", async () => {
    const ref = uniqueRef("SI");
    const order = palletOrder({ reference: ref, network: "STANDIN", role: "DELIVERING" });
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 0xff, 0xd9]);
    const res = await postWebhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: "dock.jpg", content: bytes }));
    expect(res.status).toBe(200);

    const got = await waitFor(async () => seen.find((s) => s.kind === "standin.photo" && s.reference === ref), 30_000, "the stand-in's photo job");
    const p = got.payload as unknown as OutboundDocumentPayload;
    expect(p.route).toEqual({ lane: "DELIVERING" });
    expect(p.contentType).toBe("image/jpeg");
    expect(p.sha256).toBe(await sha256Hex(bytes));
    const stored = await env.FILES.get(p.r2Key);
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(bytes);

    // A document it does not take is skipped with its own reason, on its own timeline.
    await postWebhook(documentCreated({ order, documentType: "CUSTOMER_PAPERWORK", name: "cop.pdf", content: new TextEncoder().encode("%PDF-1.4\n") }));
    const view = await waitFor(async () => {
      const r = await admin(`/api/consignments/standin/${ref}`);
      const v = r.status === 200 ? await r.json<{ timeline: { message: string }[] }>() : null;
      return v && v.timeline.some((e) => /the stand-in takes photos only/.test(e.message)) ? v : null;
    }, 10_000, "the skip on the stand-in's timeline");
    expect(view.timeline.some((e) => e.message === "Stand-in network took standin.photo")).toBe(true);
  });

  it("reacts to a completed delivery, runs its cron task, refreshes, and shows in /healthz", async () => {
    const ref = uniqueRef("SI");
    const order = palletOrder({ reference: ref, network: "STANDIN" });
    expect((await postWebhook(stopCompleted({ order }))).status).toBe(200);
    const done = await waitFor(async () => seen.find((s) => s.kind === "standin.delivered" && s.reference === ref), 30_000, "the stand-in's completion job");
    expect(done.payload).toEqual({ at: expect.any(Number) });

    expect(scheduledTasks("standin").map((t) => t.name)).toEqual(["standin.pull"]);
    const report = await runScheduled(env, scheduledTasks("standin"));
    expect(report["standin.pull"]).toEqual({ pulled: 3 });

    // onTmsUpdate saw the same stop update, as a stop, with the order and our role; the TMS
    // sending it again makes no second job.
    const update = await waitFor(async () => seen.find((s) => s.kind === "standin.tms-update" && s.reference === ref), 30_000, "the stand-in's update job");
    expect(update.payload).toEqual({ what: "DELIVERY COMPLETED", role: "DELIVERING", orderId: order.id });
    expect((await postWebhook(stopCompleted({ order }))).status).toBe(200);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE kind = 'standin.tms-update' AND reference = ?").bind(ref).first<{ n: number }>();
    expect(rows?.n).toBe(1);

    const refreshed = await admin(`/api/consignments/standin/${ref}/refresh`, { method: "POST" });
    expect(refreshed.status).toBe(202);
    expect(await refreshed.json()).toMatchObject({ ok: true, refreshed: ref });

    const health = await (await SELF.fetch("https://connector.test/healthz")).json<{ networks: Record<string, { enabled: boolean }> }>();
    expect(health.networks.standin?.enabled).toBe(true);
  });
});
