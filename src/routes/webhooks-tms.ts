import { Hono, type Context } from "hono";
import { sql } from "drizzle-orm";
import { db as openDb } from "../db/client";
import { consignments, inboundWebhooks } from "../db/schema";
import { base64ToBytes, sha256Hex } from "../lib/bytes";
import { errorMessage } from "../lib/errors";
import { log } from "../lib/log";
import { timelineInserts, type TimelineEntry, jobWrite, queueJobs, type NewJob } from "../engine";
import { checkTmsSignature, tmsBasicAuth, tmsBodyLimit } from "./tms-webhook-guards";
import { carrierFor, carrierForOrderField, networkEnabled } from "../carriers";
import { tmsDocumentJob, type TmsDocumentPayload } from "../tms/document-job";
import { operationalVisibilityUpdateSchema, parseUpdate } from "../tms/schemas";
import { completionTime, isDeliveryCompleted, isDocumentCreated, linkOrder } from "../tms/visibility";

// POST /webhooks/tms: Qargo's operational visibility webhook. Everything it implies is written
// to D1 (and inline files to R2) in one transaction before we answer, so nothing acknowledged
// can be lost; the jobs are queued right after the answer and the work happens in the consumer.

export { MAX_BODY_BYTES } from "./tms-webhook-guards";

type Issue = { path: string; message: string };

export const tmsWebhook = new Hono<{ Bindings: Env }>();

tmsWebhook.post(
  "/",
  tmsBasicAuth("webhook.tms"),
  tmsBodyLimit(),
  async (c) => {
    const started = Date.now();
    const env = c.env;
    const body = await c.req.text();

    const signature = await checkTmsSignature(env, c.req.raw.headers, body, "webhook.tms");
    if (!signature.ok) return c.json(signature.body, signature.status, signature.headers);
    let deliveryId: string | null = signature.webhookId ? `whid:${signature.webhookId}` : null;

    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return c.json({ error: "invalid_json", message: "the body is not JSON", fields: [] as Issue[] }, 400);
    }
    const parsed = operationalVisibilityUpdateSchema.safeParse(json);
    if (!parsed.success) return c.json({ error: "invalid_body", message: "the body is not an OperationalVisibilityUpdate", fields: issues(parsed.error.issues) }, 400);
    const update = parsed.data;
    const updates = update.events.map((e, i) => ({ i, event: e, parsed: parseUpdate(e.update) }));
    const bad = updates.flatMap((u) => (u.parsed.type === "invalid" ? issues(u.parsed.issues, `events.${u.i}.update`) : []));
    // Inline files must decode now: a bad one is the sender's error, not something to retry.
    const inline = new Map<number, Uint8Array>();
    for (const u of updates) {
      if (u.parsed.type !== "Document" || !("content" in u.parsed.value.document.document_content)) continue;
      try {
        inline.set(u.i, base64ToBytes(u.parsed.value.document.document_content.content));
      } catch {
        bad.push({ path: `events.${u.i}.update.document.document_content.content`, message: "is not valid base64" });
      }
    }
    if (bad.length) return c.json({ error: "invalid_body", message: "an event's update is malformed", fields: bad }, 400);

    const bodySha = await sha256Hex(body);
    deliveryId ??= `sha256:${bodySha}`;
    const link = linkOrder(update.order, (v) => carrierForOrderField(v)?.network);
    const carrier = link ? carrierFor(link.network) : undefined;
    const jobsToAdd: NewJob[] = [];
    const entries: TimelineEntry[] = [];

    if (link && carrier) {
      const on = { network: link.network, reference: link.reference };
      const enabled = networkEnabled(env, carrier.network);
      for (const { i, event, parsed: u } of updates) {
        if (u.type === "Stop" && isDeliveryCompleted(u.value) && carrier.onDeliveryCompleted && !enabled) {
          entries.push({ ...on, kind: "skipped", step: "tms.stop-completed", outcome: "skipped", message: `TMS: delivery completed, not acted on: ${carrier.label} is switched off (its settings are absent)` });
        } else if (u.type === "Stop" && isDeliveryCompleted(u.value) && carrier.onDeliveryCompleted) {
          const reaction = carrier.onDeliveryCompleted(env, {
            reference: link.reference,
            stopId: u.value.stop.id,
            completedAt: completionTime(u.value, event.timestamp),
            orderId: link.orderId,
            role: link.role,
          });
          entries.push(...reaction.timeline.map((e) => ({ ...on, ...e })));
          jobsToAdd.push(...reaction.jobs);
        } else if (u.type === "Document" && isDocumentCreated(u.value)) {
          const doc = u.value.document;
          const what = `${doc.document_type} "${doc.name}"`;
          const route = !enabled
            ? { skip: `${carrier.label} is switched off (its settings are absent)` }
            : carrier.documents
            ? carrier.documents.route(env, { documentType: doc.document_type, role: link.role })
            : { skip: `${carrier.label} takes no documents from the TMS` };
          if ("skip" in route) {
            entries.push({ ...on, kind: "skipped", step: "tms.document", outcome: "skipped", message: `TMS document ${what} not sent: ${route.skip}`, detail: { document_id: u.value.id ?? null } });
            continue;
          }
          let content: TmsDocumentPayload["content"];
          let identity: string;
          if ("content" in doc.document_content) {
            // Inline files can be megabytes: they go to R2 now, and the job carries the key.
            const bytes = inline.get(i)!;
            const sha = await sha256Hex(bytes);
            const key = `tms-inbox/${sha}`;
            try {
              await env.FILES.put(key, bytes, { httpMetadata: { contentType: doc.document_content.mime_type } });
            } catch (err) {
              log({ ...on, step: "webhook.tms", outcome: "error", error: `R2: ${errorMessage(err)}` });
              return c.json({ error: "unavailable", message: "could not store the document; please retry" }, 503, { "retry-after": "5" });
            }
            content = { r2Key: key, contentType: doc.document_content.mime_type, filename: doc.document_content.filename };
            identity = u.value.id ?? sha;
          } else {
            content = { downloadUrl: doc.document_content.download_url };
            identity = u.value.id ?? doc.document_content.download_url;
          }
          entries.push({ ...on, kind: "webhook", step: "tms.document", outcome: "info", message: `TMS: new document ${what}, for ${carrier.label}`, detail: { document_id: u.value.id ?? null } });
          jobsToAdd.push(tmsDocumentJob.job({
            ...on,
            payload: {
              documentId: u.value.id ?? null,
              documentType: doc.document_type,
              name: doc.name,
              content,
              role: link.role,
              next: route.kind,
              route: route.options ?? null,
              orderId: link.orderId,
              customerReference: link.customerReference,
            },
            dedupeKey: `${tmsDocumentJob.kind}:${link.network}:${link.reference}:${identity}`,
          }));
        }
      }
    }

    const db = openDb(env);
    const write = jobWrite(db, jobsToAdd);
    const statements = [
      db.insert(inboundWebhooks).values({ id: deliveryId, bodySha256: bodySha, eventCount: update.events.length }),
      ...(link
        ? [
            db
              .insert(consignments)
              .values({ network: link.network, reference: link.reference, orderId: link.orderId, customerReference: link.customerReference, orderName: link.orderName, role: link.role })
              .onConflictDoUpdate({
                target: [consignments.network, consignments.reference],
                set: {
                  orderId: link.orderId,
                  customerReference: link.customerReference,
                  orderName: link.orderName,
                  role: sql`coalesce(${link.role}, ${consignments.role})`,
                  updatedAt: Date.now(),
                },
              }),
          ]
        : []),
      ...write.statements,
      ...timelineInserts(db, entries),
    ];
    let results: unknown[];
    try {
      results = await db.batch(statements as [typeof statements[0], ...typeof statements]);
    } catch (err) {
      if (/UNIQUE constraint failed: inbound_webhooks/i.test(errorMessage(err))) {
        log({ network: link?.network, reference: link?.reference, step: "webhook.tms", outcome: "skipped", ms: Date.now() - started, delivery: deliveryId, error: "duplicate delivery" });
        return c.json({ ok: true, duplicate: true });
      }
      log({ network: link?.network, reference: link?.reference, step: "webhook.tms", outcome: "error", ms: Date.now() - started, error: errorMessage(err) });
      return c.json({ error: "unavailable", message: "could not record the webhook; please retry" }, 503, { "retry-after": "5" });
    }
    const offset = 1 + (link ? 1 : 0);
    const created = write.created(results, offset);
    // What the 2xx promises is durable now (D1, R2). Queueing happens after the answer: if the
    // send fails or the isolate dies first, the cron's re-drive queues the jobs from D1.
    if (created.length) await afterAnswer(c, queueJobs(env, created, { network: link?.network, reference: link?.reference, step: "webhook.tms.enqueue" }));
    // Each queued job logs its own line (with this reference) when it runs; a webhook that queued
    // nothing is logged here, so every webhook leaves a line in `wrangler tail` either way.
    if (created.length === 0) log({ network: link?.network, reference: link?.reference, step: "webhook.tms", outcome: "ok", ms: Date.now() - started, events: update.events.length, jobs: 0 });
    return c.json({ ok: true, jobs: created.length });
  },
);

/** Runs `work` after the response when the runtime gives us a context to do so, else now. */
async function afterAnswer(c: Context, work: Promise<unknown>): Promise<void> {
  let ctx: Context["executionCtx"] | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    // Called without an execution context (app.request in a script): nothing to hand it to.
  }
  if (ctx) ctx.waitUntil(work);
  else await work;
}

function issues(list: { path: PropertyKey[]; message: string }[], prefix?: string): Issue[] {
  return list.map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join("."), message: i.message }));
}
