import { TransientError, errorMessage } from "../lib/errors";
import type { TimelineKind, TimelineOutcome } from "../engine";
import { TmsClient, type ImportDocumentInput } from "./client";

// Qargo's document-import has no idempotency key (tms-qargo.md, "Unclear outcomes"): an import
// answered by a timeout, a reset or a 5xx may have been stored. So the document name we send
// carries the first hex digits of the bytes' SHA-256 (two different files of the same filename
// never pass for each other), and the attempt after an unclear one lists the order's documents
// for that exact name before sending again. That check waits for the next attempt (the queue's
// backoff) rather than following at once, which would miss a document Qargo stores a moment
// late. Every caller of document-import goes through here, so the rule lives in one place.

/** Hex digits of the SHA-256 in the document name: 48 bits, no accidental twin on one order. */
const IDENTITY_HEX = 12;

type Note = { kind: TimelineKind; step: string; outcome: TimelineOutcome; message: string; detail?: Record<string, unknown> };

export interface ImportOnceOptions {
  /** An earlier run may have stored it (JobContext.ranBefore): look on the order before sending. */
  checkFirst: boolean;
  step: string;
  timeline: (entry: Note) => Promise<void>;
}

export type ImportOnceResult = { stored: "now" } | { stored: "earlier"; tmsDocumentId: string };

/** A TransientError is an unclear outcome: the request may have reached Qargo and been stored. */
export function isUnclear(err: unknown): boolean {
  return err instanceof TransientError && err.code !== "TMS_RETRIES";
}

/** The name the TMS shows: the caller's name, then the identity of the bytes. */
export async function identifiedName(name: string, bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = [...digest.slice(0, IDENTITY_HEX / 2)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${name} [${hex}]`;
}

export async function importDocumentOnce(env: Env, input: ImportDocumentInput, opts: ImportOnceOptions): Promise<ImportOnceResult> {
  const client = new TmsClient(env);
  const name = await identifiedName(input.documentName ?? input.filename, input.bytes);
  const orderId = "orderId" in input.match ? input.match.orderId : null;
  const note = (outcome: TimelineOutcome, message: string, detail: Record<string, unknown> = {}) =>
    opts.timeline({ kind: "info", step: opts.step, outcome, message, detail: { reconcile: true, document_name: name, document_type: input.documentType, ...detail } });

  if (opts.checkFirst) {
    if (orderId) {
      // A listing that fails throws: nothing is sent until we know.
      const docs = await client.orderDocuments(orderId);
      const found = docs.find((d) => d.name === name && d.type === input.documentType);
      if (found) {
        await note("ok", `An earlier attempt's import of ${name} is on TMS order ${orderId} (document ${found.id}): recorded as attached, not sent again`, { tms_document_id: found.id });
        return { stored: "earlier", tmsDocumentId: found.id };
      }
      await note("info", `An earlier attempt's import of ${name} is not on TMS order ${orderId}: sending it now`);
    } else {
      await note("info", `Sending ${name} again, matched by customer reference: with no order id the TMS's documents cannot be listed, so a duplicate is possible if an earlier attempt was stored`);
    }
  }

  try {
    await client.importDocument({ ...input, documentName: name });
    return { stored: "now" };
  } catch (err) {
    if (isUnclear(err)) {
      await note("waiting", `Import of ${name} had no clear answer (${errorMessage(err)}); the next attempt, after a short wait, checks the TMS order for it before sending`);
    }
    throw err;
  }
}
