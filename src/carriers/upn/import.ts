import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { cursor, defineJob, type JobContext, timelineValues, jobWrite, queueJobs, type PullPass } from "../../engine";
import type { Db } from "../../db/client";
import { consignments, timeline } from "../../db/schema";
import { upnImports } from "./schema";
import { DeferError, errorMessage, PermanentError } from "../../lib/errors";
import { log } from "../../lib/log";
import { sleep } from "../../lib/sleep";
import { chunk, IN_LIST_MAX } from "../../lib/chunk";
import { TmsClient } from "../../tms/client";
import { consignmentSchema, UpnClient } from "./client";
import { consignmentToOrderInput, orderIdentifier } from "./mapping";
import { upnSettings } from "./settings";
import { dispatchReady } from "./tracking";

// Consignment import (contracts/upn.md): the cron pages through UPN's list from the stored
// cursor and records each consignment for our depot in upn_imports (with UPN's body, so a
// failed import is retried from D1, not by re-reading UPN); a `upn.import` job per barcode
// creates the TMS order and waits for its id. The barcode is the key everywhere: UPN pages
// read twice, a replayed job, a re-run cron never make a second order (and Qargo dedupes on
// order_identifier as well).

export const CONSIGNMENT_CURSOR = "upn.consignments.since";
/** Pages read in one cycle; the rest waits for the next (the cursor keeps the place). */
export const MAX_PAGES_PER_CYCLE = 50;
/** The worst case of one page's call (its timeout), for the pass's time budget. */
const PAGE_CALL_MS = 65_000;
/** Upload-status checks in one run of the job before it steps aside and comes back. */
const INLINE_POLLS = 3;
const MAX_POLLS = 60;
const PENDING = new Set(["TODO", "IN_PROGRESS", "READY_TO_UPSERT", "UPSERT_IN_PROGRESS"]);

type Statement = Parameters<Db["batch"]>[0][number];

/** The cron half: read the pages, record our depot's consignments, queue their imports. */
export async function importCycle(env: Env, db: Db, pass?: PullPass): Promise<Record<string, unknown>> {
  const upn = new UpnClient(env);
  const cur = cursor(db, CONSIGNMENT_CURSOR);
  const getSince = async () => (await cur.get()) || null;
  const setSince = (v: string | null) => cur.set(v ?? "");
  let since = await getSince();
  let pages = 0;
  let recorded = 0;
  let otherDepot = 0;
  let invalid = 0;
  // Each page is one call (up to its timeout): the pass stops while a whole call still fits.
  while (pages < MAX_PAGES_PER_CYCLE && (!pass || pass.hasTime(PAGE_CALL_MS))) {
    const page = await upn.listConsignments(since);
    pages++;
    const ours = page.consignments.filter((c) => c.delivery_depot === upn.depot);
    otherDepot += page.consignments.length - ours.length;
    const statements: Statement[] = ours.map((c) =>
      db.insert(upnImports).values({ barcode: c.barcode, body: JSON.stringify(c), status: "new" }).onConflictDoNothing().returning({ barcode: upnImports.barcode }),
    );
    for (const bad of page.invalid) {
      invalid++;
      const barcode = (bad.raw as { barcode?: unknown } | null)?.barcode;
      log({ network: "upn", reference: typeof barcode === "string" ? barcode : undefined, step: "upn.import.page", outcome: "error", error: `UPN sent a consignment that cannot be imported: ${bad.reason}` });
      if (typeof barcode === "string" && barcode) {
        statements.push(
          db.insert(upnImports).values({ barcode, body: JSON.stringify(bad.raw), status: "failed", error: `UPN sent a consignment that cannot be imported: ${bad.reason}` }).onConflictDoNothing().returning({ barcode: upnImports.barcode }),
          db.insert(timeline).values(timelineValues({ network: "upn", reference: barcode, kind: "error", step: "upn.import", outcome: "error", message: `UPN sent consignment ${barcode} with fields an order cannot take (${bad.reason}); not imported. Ask UPN to correct it.` })),
        );
      }
    }
    if (statements.length) {
      const results = (await db.batch(statements as [Statement, ...Statement[]])) as unknown[];
      recorded += results.slice(0, ours.length).filter((r) => Array.isArray(r) && r.length > 0).length;
    }
    if (page.nextCursor === null) {
      // The last page may still be filling: the next cycle reads it again from the same cursor.
      await setSince(since);
      break;
    }
    since = page.nextCursor;
    await setSince(since);
  }
  const queued = await queueImports(env, db);
  return { pages, recorded, other_depot: otherDepot, invalid, queued };
}

/** Imports recorded but not yet handed to a job (new ones, or left over by a crash). */
export async function queueImports(env: Env, db: Db): Promise<number> {
  const rows = await db.select({ barcode: upnImports.barcode }).from(upnImports).where(eq(upnImports.status, "new")).limit(500);
  if (rows.length === 0) return 0;
  const write = jobWrite(db, rows.map((r) => importOrderJob.job({ network: "upn", reference: r.barcode, payload: { barcode: r.barcode }, dedupeKey: `${importOrderJob.kind}:${r.barcode}` })));
  // The jobs and the imports' `queued` mark in one batch (at most 500 rows: one D1 batch).
  const marks = chunk(rows.map((r) => r.barcode), IN_LIST_MAX).map((part) =>
    db.update(upnImports).set({ status: "queued", updatedAt: Date.now() }).where(and(inArray(upnImports.barcode, part), eq(upnImports.status, "new"))),
  );
  const statements: Statement[] = [...write.statements, ...marks];
  const created = write.created((await db.batch(statements as [Statement, ...Statement[]])) as unknown[]);
  await queueJobs(env, created, { network: "upn", step: "upn.import.queue" });
  return created.length;
}

/** The job half: create the TMS order, wait for its id, remember it. */
export const importOrderJob = defineJob("upn.import", z.object({ barcode: z.string() }), async (ctx) => {
  const { env, db } = ctx;
  const barcode = ctx.payload.barcode;
  const [row] = await db.select().from(upnImports).where(eq(upnImports.barcode, barcode));
  if (!row) throw new PermanentError(`no UPN import is recorded for ${barcode}`);
  if (row.status === "completed") return { status: "skipped", message: `already imported as TMS order ${row.orderId}` };
  const tms = new TmsClient(env);
  let uploadId = row.uploadId;
  if (!uploadId) {
    const c = consignmentSchema.parse(JSON.parse(row.body ?? "null"));
    const up = await tms.uploadOrder(consignmentToOrderInput(c, upnSettings(env)?.serviceLevels ?? {}));
    uploadId = up.uploadId;
    await db.update(upnImports).set({ uploadId, status: "uploaded", error: null, updatedAt: Date.now() }).where(eq(upnImports.barcode, barcode));
    await ctx.timeline({ kind: "upload", step: "upn.import", outcome: "ok", message: `UPN consignment sent to the TMS as order ${orderIdentifier(barcode)} (upload ${uploadId}); waiting for the TMS to create it`, detail: { upload_id: uploadId } });
    if (up.orderId) return complete(env, db, ctx, barcode, up.orderId, "COMPLETED");
  }
  let polls = row.polls;
  for (let i = 0; i < INLINE_POLLS; i++) {
    if (i > 0) await sleep(1_000);
    const st = await tms.uploadStatus(uploadId);
    polls++;
    if ((st.status === "COMPLETED" || st.status === "DUPLICATE") && st.orderId) return complete(env, db, ctx, barcode, st.orderId, st.status);
    if (st.status === "ERROR" || st.status === "SKIPPED" || !PENDING.has(st.status)) {
      const detail = st.errors ? `: ${JSON.stringify(st.errors).slice(0, 500)}` : "";
      const error = `the TMS did not create order ${orderIdentifier(barcode)} (upload ${uploadId} ended ${st.status})${detail}`;
      // A fresh upload on replay: this upload is finished and cannot give an order.
      await db.update(upnImports).set({ status: "failed", uploadId: null, polls: 0, error, updatedAt: Date.now() }).where(eq(upnImports.barcode, barcode));
      throw new PermanentError(error, `TMS_UPLOAD_${st.status}`, "Check the order import in the TMS (customer UPN, addresses), then replay this job");
    }
  }
  if (polls >= MAX_POLLS) {
    // A replay starts over with a fresh upload; Qargo dedupes on order_identifier, so if this
    // one did finish meanwhile the new one answers DUPLICATE with the order's id.
    await db.update(upnImports).set({ status: "failed", uploadId: null, polls: 0, updatedAt: Date.now() }).where(eq(upnImports.barcode, barcode));
    throw new PermanentError(`the TMS has not finished importing ${orderIdentifier(barcode)} after ${polls} checks (upload ${uploadId})`, "TMS_UPLOAD_STUCK", "Look at the upload in the TMS, then replay this job");
  }
  await db.update(upnImports).set({ polls, updatedAt: Date.now() }).where(eq(upnImports.barcode, barcode));
  throw new DeferError(`the TMS is still importing ${orderIdentifier(barcode)}`, Math.min(5_000 * 2 ** Math.floor(polls / INLINE_POLLS), 300_000));
});

async function complete(env: Env, db: Db, ctx: JobContext<{ barcode: string }>, barcode: string, orderId: string, how: string) {
  const now = Date.now();
  await db.batch([
    db.update(upnImports).set({ orderId, status: "completed", error: null, updatedAt: now }).where(eq(upnImports.barcode, barcode)),
    db
      .insert(consignments)
      .values({ network: ctx.network, reference: barcode, orderId, customerReference: barcode, role: "DELIVERING" })
      .onConflictDoUpdate({
        target: [consignments.network, consignments.reference],
        set: { orderId, customerReference: sql`coalesce(${consignments.customerReference}, ${barcode})`, role: sql`coalesce(${consignments.role}, 'DELIVERING')`, updatedAt: now },
      }),
  ]);
  await ctx.timeline({
    kind: "upload",
    step: "upn.import",
    outcome: "ok",
    message: how === "DUPLICATE" ? `The TMS already had order ${orderIdentifier(barcode)} (${orderId}); linked to it` : `TMS order ${orderIdentifier(barcode)} created (${orderId})`,
    detail: { order_id: orderId },
  });
  // Tracking events that arrived before the order now have somewhere to go. The note is "info",
  // not "event": the overview's chart counts each applied event once, from its own entry.
  const released = await dispatchReady(env, db, [barcode]);
  if (released.queued) {
    await ctx.timeline({ kind: "info", step: "upn.import", outcome: "info", message: `${released.queued} waiting UPN tracking event${released.queued === 1 ? "" : "s"} released to the TMS order` });
  }
}
