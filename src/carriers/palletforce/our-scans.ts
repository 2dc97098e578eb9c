import { and, eq } from "drizzle-orm";
import { errorMessage } from "../../lib/errors";
import { z } from "zod";
import { defineJob } from "../../engine";
import type { Reaction, TmsUpdateSeen } from "../carrier";
import { PalletforceClient } from "./client";
import { LABEL, NETWORK, TRACKING_NUMBER } from "./enums";
import { eventTime, ourScanFor } from "./mapping";
import { palletforceMoves, palletforceOurScans, palletforceTracked } from "./schema";

// Our scans (palletforce.md, "Statuses we send"): for a Palletforce order we deliver, the TMS's
// pickup COMPLETED, delivery AT_STOP and a POD document become DONR, ARDL and POD scans through
// UploadScans, at most once per consignment and code whatever the TMS re-sends: the job's
// dedupe key is (tracking number, code), and palletforce_our_scans keeps what was sent.
// Palletforce accepts a repeat of the same scan without a second record, so after an unclear
// outcome the same scan is simply sent again.

/** Pure: the intake's reaction to a TMS stop or document update of a Palletforce order. */
export function ourScanReaction(seen: TmsUpdateSeen): Reaction {
  const code = ourScanFor(seen.update);
  if (!code) return { jobs: [], timeline: [] };
  if (seen.role !== "DELIVERING") return { jobs: [], timeline: [] };
  if (!TRACKING_NUMBER.test(seen.reference)) {
    return { jobs: [], timeline: [{ kind: "skipped", step: "palletforce.our-scan", outcome: "skipped", message: `not a valid ${LABEL} reference: “${seen.reference.slice(0, 40)}” (13 digits expected); no ${code} scan sent. Correct network_reference on the TMS order.` }] };
  }
  const u = seen.update;
  const at = u.kind === "stop" ? (code === "DONR" ? u.actualEnd : u.actualStart) ?? u.at : u.at;
  return {
    jobs: [ourScanJob.job({ network: NETWORK, reference: seen.reference, payload: { code, eventTime: eventTime(at) }, dedupeKey: `${ourScanJob.kind}:${seen.reference}:${code}` })],
    timeline: [{ kind: "webhook", step: "palletforce.our-scan", outcome: "info", message: `TMS: ${describe(seen)}; ${code} scan to ${LABEL} queued` }],
  };
}

function describe(seen: TmsUpdateSeen): string {
  const u = seen.update;
  return u.kind === "stop" ? `${u.stopType.toLowerCase()} stop ${u.status}` : `new document ${u.documentType}`;
}

/** `palletforce.our-scan`: one scan, once. */
export const ourScanJob = defineJob("palletforce.our-scan", z.object({ code: z.enum(["DONR", "ARDL", "POD"]), eventTime: z.string().min(1) }), async (ctx) => {
  const { env, db } = ctx;
  const t = ctx.reference;
  const { code, eventTime: at } = ctx.payload;
  const [done] = await db.select().from(palletforceOurScans).where(and(eq(palletforceOurScans.trackingNumber, t), eq(palletforceOurScans.code, code)));
  if (done?.status === "sent") return { status: "skipped", message: `${code} was sent to ${LABEL} already` };
  if (code === "DONR") {
    // No echo: a pickup the connector completed itself from Palletforce's POC is not our scan.
    const [echo] = await db.select().from(palletforceMoves).where(and(eq(palletforceMoves.trackingNumber, t), eq(palletforceMoves.stop, "PICKUP"), eq(palletforceMoves.status, "COMPLETED")));
    if (echo) {
      await ctx.timeline({ kind: "skipped", step: "palletforce.our-scan", outcome: "skipped", message: `Pickup COMPLETED came from ${LABEL}'s own ${echo.eventKey.split("|")[0]} (applied by the connector): not sent back as DONR` });
      return { status: "skipped", message: "echo of a Palletforce event" };
    }
  }
  await db.insert(palletforceOurScans).values({ trackingNumber: t, code, eventTime: at, status: "sending" }).onConflictDoNothing();
  try {
    const pf = new PalletforceClient(env);
    await pf.uploadScans([{ trackingNumber: t, eventCode: code, eventDateTime: at, depot: pf.depot, palletBarcode: null, signature: null }]);
  } catch (err) {
    await db.update(palletforceOurScans).set({ error: errorMessage(err) }).where(and(eq(palletforceOurScans.trackingNumber, t), eq(palletforceOurScans.code, code)));
    throw err;
  }
  const now = Date.now();
  await db.batch([
    db.update(palletforceOurScans).set({ status: "sent", sentAt: now, error: null }).where(and(eq(palletforceOurScans.trackingNumber, t), eq(palletforceOurScans.code, code))),
    // Our own accepted POD completes an imported consignment: tracking stops.
    ...(code === "POD" ? [db.update(palletforceTracked).set({ status: "complete", closedAt: now }).where(and(eq(palletforceTracked.trackingNumber, t), eq(palletforceTracked.status, "open")))] : []),
  ]);
  await ctx.timeline({ kind: "upload", step: "palletforce.our-scan", outcome: "ok", message: `${code} scan sent to ${LABEL} (time ${at})`, detail: { code, event_time: at } });
});
