import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { consignments, cursors } from "../../db/schema";
import { chunk, IN_LIST_MAX } from "../../lib/chunk";
import { DeferError, PermanentError } from "../../lib/errors";
import { log } from "../../lib/log";
import { sleep } from "../../lib/sleep";
import { z } from "zod";
import { defineJob, jobWrite, queueJobs, timelineInserts, type JobContext, type Statement } from "../../engine";
import { TmsClient } from "../../tms/client";
import { consignmentSchema, PalletforceClient } from "./client";
import { LABEL, NETWORK } from "./enums";
import { consignmentToOrderInput, orderIdentifier } from "./mapping";
import { palletforceBookings, palletforceImports, palletforceTracked } from "./schema";
import { palletforceSettings } from "./settings";

// Consignments for our depot (palletforce.md): the pass pages through DownloadConsignments from
// the stored cursor and records each consignment our depot delivers (and that we did not book)
// in palletforce_imports with Palletforce's body; a `palletforce.import` job per tracking number
// creates the TMS order and waits for its id. The tracking number is the key everywhere, so a
// page read twice, a replayed job or a repeated pass never makes a second order (and Qargo
// dedupes on order_identifier as well). Once imported, the consignment is tracked.

export const CONSIGNMENT_CURSOR = "palletforce.consignments.since";
export const MAX_PAGES_PER_PASS = 20;
const INLINE_POLLS = 3;
const MAX_POLLS = 60;
const PENDING = new Set(["TODO", "IN_PROGRESS", "READY_TO_UPSERT", "UPSERT_IN_PROGRESS"]);

async function getSince(db: Db): Promise<string | null> {
  const [row] = await db.select({ value: cursors.value }).from(cursors).where(eq(cursors.name, CONSIGNMENT_CURSOR));
  return row?.value ? row.value : null;
}

async function setSince(db: Db, since: string | null): Promise<void> {
  const value = since ?? "";
  await db.insert(cursors).values({ name: CONSIGNMENT_CURSOR, value, updatedAt: Date.now() }).onConflictDoUpdate({ target: cursors.name, set: { value, updatedAt: Date.now() } });
}

export async function importPass(env: Env, db: Db): Promise<Record<string, unknown>> {
  const pf = new PalletforceClient(env);
  let since = await getSince(db);
  let pages = 0;
  let recorded = 0;
  let notOurs = 0;
  let invalid = 0;
  while (pages < MAX_PAGES_PER_PASS) {
    const page = await pf.downloadConsignments(since);
    pages++;
    const delivered = page.consignments.filter((c) => c.deliveryDepot === pf.depot);
    // Our own bookings come back in the listing (they name our depot): never imported.
    const ownBookings = new Set<string>();
    for (const part of chunk(delivered.map((c) => c.trackingNumber), IN_LIST_MAX)) {
      for (const r of await db.select({ t: palletforceBookings.trackingNumber }).from(palletforceBookings).where(inArray(palletforceBookings.trackingNumber, part))) if (r.t) ownBookings.add(r.t);
    }
    const ours = delivered.filter((c) => !ownBookings.has(c.trackingNumber));
    notOurs += page.consignments.length - ours.length;
    const statements: Statement[] = ours.map((c) =>
      db.insert(palletforceImports).values({ trackingNumber: c.trackingNumber, body: JSON.stringify(c), status: "new" }).onConflictDoNothing().returning({ t: palletforceImports.trackingNumber }),
    );
    for (const bad of page.invalid) {
      invalid++;
      const t = (bad.raw as { trackingNumber?: unknown } | null)?.trackingNumber;
      log({ network: NETWORK, reference: typeof t === "string" ? t : undefined, step: "palletforce.import.page", outcome: "error", error: `Palletforce sent an incomplete consignment: ${bad.reason}` });
      if (typeof t === "string" && /^\d{13}$/.test(t)) {
        statements.push(
          db.insert(palletforceImports).values({ trackingNumber: t, body: JSON.stringify(bad.raw), status: "failed", error: `Palletforce sent an incomplete consignment: ${bad.reason}` }).onConflictDoNothing(),
          ...timelineInserts(db, [{ network: NETWORK, reference: t, kind: "error", step: "palletforce.import", outcome: "error", message: `${LABEL} sent consignment ${t} without the fields an order needs (${bad.reason}); not imported. Ask Palletforce to correct it.` }]),
        );
      }
    }
    if (statements.length) {
      const results = (await db.batch(statements as [Statement, ...Statement[]])) as unknown[];
      recorded += results.slice(0, ours.length).filter((r) => Array.isArray(r) && r.length > 0).length;
    }
    if (page.nextSince === null) {
      // The last page may still be filling: the next pass reads it again from the same cursor.
      await setSince(db, since);
      break;
    }
    since = page.nextSince;
    await setSince(db, since);
  }
  const queued = await queueImports(env, db);
  return { pages, recorded, not_ours: notOurs, invalid, queued };
}

export async function queueImports(env: Env, db: Db): Promise<number> {
  const rows = await db.select({ t: palletforceImports.trackingNumber }).from(palletforceImports).where(eq(palletforceImports.status, "new")).limit(500);
  if (rows.length === 0) return 0;
  const write = jobWrite(db, rows.map((r) => importJob.job({ network: NETWORK, reference: r.t, payload: { trackingNumber: r.t }, dedupeKey: `${importJob.kind}:${r.t}` })));
  const marks = chunk(rows.map((r) => r.t), IN_LIST_MAX).map((part) =>
    db.update(palletforceImports).set({ status: "queued", updatedAt: Date.now() }).where(and(inArray(palletforceImports.trackingNumber, part), eq(palletforceImports.status, "new"))),
  );
  const created = write.created((await db.batch([...write.statements, ...marks] as [Statement, ...Statement[]])) as unknown[]);
  await queueJobs(env, created, { network: NETWORK, step: "palletforce.import.queue" });
  return created.length;
}

/** `palletforce.import`: create the TMS order, wait for its id, start tracking it. */
export const importJob = defineJob("palletforce.import", z.object({ trackingNumber: z.string().regex(/^\d{13}$/) }), async (ctx) => {
  const { env, db } = ctx;
  const t = ctx.payload.trackingNumber;
  const [row] = await db.select().from(palletforceImports).where(eq(palletforceImports.trackingNumber, t));
  if (!row) throw new PermanentError(`no Palletforce import is recorded for ${t}`);
  if (row.status === "completed") return { status: "skipped", message: `already imported as TMS order ${row.orderId}` };
  const tms = new TmsClient(env);
  const c = consignmentSchema.parse(JSON.parse(row.body ?? "null"));
  let uploadId = row.uploadId;
  if (!uploadId) {
    const up = await tms.uploadOrder(consignmentToOrderInput(c, palletforceSettings(env)?.serviceLevels ?? {}));
    uploadId = up.uploadId;
    await db.update(palletforceImports).set({ uploadId, status: "uploaded", error: null, updatedAt: Date.now() }).where(eq(palletforceImports.trackingNumber, t));
    await ctx.timeline({ kind: "upload", step: "palletforce.import", outcome: "ok", message: `${LABEL} consignment sent to the TMS as order ${orderIdentifier(t)} (upload ${uploadId}); waiting for the TMS to create it`, detail: { upload_id: uploadId } });
    if (up.orderId) return complete(db, ctx, c, up.orderId, "COMPLETED");
  }
  let polls = row.polls;
  for (let i = 0; i < INLINE_POLLS; i++) {
    if (i > 0) await sleep(1_000);
    const st = await tms.uploadStatus(uploadId);
    polls++;
    if ((st.status === "COMPLETED" || st.status === "DUPLICATE") && st.orderId) return complete(db, ctx, c, st.orderId, st.status);
    if (!PENDING.has(st.status)) {
      const error = `the TMS did not create order ${orderIdentifier(t)} (upload ${uploadId} ended ${st.status})${st.errors ? `: ${JSON.stringify(st.errors).slice(0, 500)}` : ""}`;
      await db.update(palletforceImports).set({ status: "failed", uploadId: null, polls: 0, error, updatedAt: Date.now() }).where(eq(palletforceImports.trackingNumber, t));
      throw new PermanentError(error, `TMS_UPLOAD_${st.status}`, "Check the order import in the TMS (customer PALLETFORCE, addresses), then replay this job");
    }
  }
  if (polls >= MAX_POLLS) {
    await db.update(palletforceImports).set({ status: "failed", uploadId: null, polls: 0, updatedAt: Date.now() }).where(eq(palletforceImports.trackingNumber, t));
    throw new PermanentError(`the TMS has not finished importing ${orderIdentifier(t)} after ${polls} checks (upload ${uploadId})`, "TMS_UPLOAD_STUCK", "Look at the upload in the TMS, then replay this job");
  }
  await db.update(palletforceImports).set({ polls, updatedAt: Date.now() }).where(eq(palletforceImports.trackingNumber, t));
  throw new DeferError(`the TMS is still importing ${orderIdentifier(t)}`, Math.min(5_000 * 2 ** Math.floor(polls / INLINE_POLLS), 300_000));
});

async function complete(db: Db, ctx: JobContext<{ trackingNumber: string }>, c: ReturnType<typeof consignmentSchema.parse>, orderId: string, how: string) {
  const now = Date.now();
  const t = c.trackingNumber;
  await db.batch([
    db.update(palletforceImports).set({ orderId, status: "completed", error: null, updatedAt: now }).where(eq(palletforceImports.trackingNumber, t)),
    db
      .insert(consignments)
      .values({ network: ctx.network, reference: t, orderId, customerReference: t, role: "DELIVERING" })
      .onConflictDoUpdate({ target: [consignments.network, consignments.reference], set: { orderId, customerReference: sql`coalesce(${consignments.customerReference}, ${t})`, role: sql`coalesce(${consignments.role}, 'DELIVERING')`, updatedAt: now } }),
    db
      .insert(palletforceTracked)
      .values({ trackingNumber: t, role: "DELIVERING", orderId, pallets: c.pallets.length, palletBarcodes: JSON.stringify(c.pallets.map((p) => p.palletBarcode)), dueDate: c.deliveryDate?.slice(0, 10) ?? null, status: "open", openedAt: now })
      .onConflictDoNothing(),
  ]);
  await ctx.timeline({
    kind: "upload",
    step: "palletforce.import",
    outcome: "ok",
    message: how === "DUPLICATE" ? `The TMS already had order ${orderIdentifier(t)} (${orderId}); linked to it and tracked` : `TMS order ${orderIdentifier(t)} created (${orderId}); tracked from now on`,
    detail: { order_id: orderId },
  });
}
