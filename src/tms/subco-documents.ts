import { z } from "zod";
import { errorMessage, TransientError } from "../lib/errors";
import { readJson } from "../lib/http";
import type { TimelineOutcome } from "../engine";
import { TmsClient } from "./client";
import { isUnclear } from "./import-once";

// Files for a dispatched trip's stop (labels, POD): `POST /v1/webhook/subco-document-upload`.
// It has no idempotency key; after an unclear outcome the trip's documents are listed
// (`GET /v1/trips/trip/{trip_id}/documents`) and a document whose name starts with the stem we
// sent (Qargo may append the question path's default name) and whose type is the question
// path key means it is there (tms-qargo.md, "Unclear outcomes" and the document table).

const tripDocumentSchema = z.object({ id: z.coerce.string(), name: z.string().nullable().optional(), type: z.string().nullable().optional() });

export interface StopDocument {
  tripId: string | null;
  stopId: string;
  questionKey: string;
  /** e.g. `60012340167_labels.pdf`; the stem before the extension is what the check looks for. */
  filename: string;
  bytes: Uint8Array;
  contentType: string;
}

type Note = (outcome: TimelineOutcome, message: string, detail?: Record<string, unknown>) => Promise<void>;

export async function tripDocuments(env: Env, tripId: string): Promise<z.infer<typeof tripDocumentSchema>[]> {
  const client = new TmsClient(env);
  const step = "tms.trip.documents";
  const res = await client.call(`/v1/trips/trip/${encodeURIComponent(tripId)}/documents`, { method: "GET", auth: "bearer", step });
  return tripDocumentSchema.array().parse(await readJson(res, { partner: "the TMS", what: step, unreachableCode: "TMS_UNREACHABLE" }));
}

/** Uploads once: `checkFirst` (an earlier run may have stored it) lists the trip before sending. */
export async function uploadStopDocumentOnce(env: Env, doc: StopDocument, opts: { checkFirst: boolean; note: Note }): Promise<"now" | "earlier"> {
  const stem = doc.filename.replace(/\.[a-z0-9]+$/i, "");
  const find = async () => (doc.tripId ? (await tripDocuments(env, doc.tripId)).find((d) => (d.name ?? "").startsWith(stem) && (!d.type || d.type === doc.questionKey)) ?? null : null);
  if (opts.checkFirst && doc.tripId) {
    const found = await find();
    if (found) {
      await opts.note("ok", `An earlier attempt's upload of ${doc.filename} is on the trip (document ${found.id}): not sent again`, { tms_document_id: found.id });
      return "earlier";
    }
  }
  const client = new TmsClient(env);
  try {
    const q = new URLSearchParams({ question_path_key: doc.questionKey, stop_id: doc.stopId });
    const res = await client.call(`/v1/webhook/subco-document-upload?${q}`, {
      method: "POST",
      auth: "webhook",
      step: "tms.subco-document-upload",
      headers: { "content-type": doc.contentType, "content-disposition": `attachment; filename="${doc.filename}"` },
      body: doc.bytes,
    });
    await res.body?.cancel();
    return "now";
  } catch (err) {
    if (!isUnclear(err) || !doc.tripId) throw err;
    let found;
    try {
      found = await find();
    } catch (listErr) {
      await opts.note("waiting", `Upload of ${doc.filename} had no clear answer (${errorMessage(err)}) and the trip's documents could not be listed (${errorMessage(listErr)}); the next attempt checks before sending`);
      throw err;
    }
    if (found) {
      await opts.note("ok", `Upload of ${doc.filename} had no clear answer (${errorMessage(err)}); the trip holds it (document ${found.id}): not sent again`, { tms_document_id: found.id });
      return "earlier";
    }
    await opts.note("info", `Upload of ${doc.filename} had no clear answer (${errorMessage(err)}); the trip does not hold it, so it will be sent again`);
    throw err instanceof TransientError ? err : new TransientError(errorMessage(err));
  }
}
