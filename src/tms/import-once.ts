import { TransientError, errorMessage } from "../lib/errors";
import type { TimelineKind, TimelineOutcome } from "../engine";
import { TmsClient, type ImportDocumentInput } from "./client";

// Qargo's document-import has no idempotency key (tms-qargo.md, "Unclear outcomes"): an import
// answered by a timeout, a reset or a 5xx may have been stored. Before it goes out again, the
// order's documents are listed; a document with the name and type we sent means it is there.
// Every caller of document-import goes through here, so the rule lives in one place.

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

export async function importDocumentOnce(env: Env, input: ImportDocumentInput, opts: ImportOnceOptions): Promise<ImportOnceResult> {
  const client = new TmsClient(env);
  const name = input.documentName ?? input.filename;
  const orderId = "orderId" in input.match ? input.match.orderId : null;
  const findStored = async () => {
    const docs = await client.orderDocuments(orderId!);
    return docs.find((d) => d.name === name && d.type === input.documentType) ?? null;
  };
  const note = (outcome: TimelineOutcome, message: string, detail: Record<string, unknown> = {}) =>
    opts.timeline({ kind: "info", step: opts.step, outcome, message, detail: { reconcile: true, document_name: name, document_type: input.documentType, ...detail } });

  if (opts.checkFirst) {
    if (orderId) {
      // A listing that fails throws: nothing is sent until we know.
      const found = await findStored();
      if (found) {
        await note("ok", `An earlier attempt's import of ${name} is on TMS order ${orderId} (document ${found.id}): recorded as attached, not sent again`, { tms_document_id: found.id });
        return { stored: "earlier", tmsDocumentId: found.id };
      }
    } else {
      await note("info", `Sending ${name} again, matched by customer reference: with no order id the TMS's documents cannot be listed, so a duplicate is possible if an earlier attempt was stored`);
    }
  }

  try {
    await client.importDocument(input);
    return { stored: "now" };
  } catch (err) {
    if (!isUnclear(err) || !orderId) throw err;
    let found: { id: string } | null;
    try {
      found = await findStored();
    } catch (listErr) {
      await note("waiting", `Import of ${name} had no clear answer (${errorMessage(err)}) and the order's documents could not be listed (${errorMessage(listErr)}); the next attempt checks before sending`);
      throw err;
    }
    if (found) {
      await note("ok", `Import of ${name} had no clear answer (${errorMessage(err)}); the TMS order ${orderId} holds it (document ${found.id}): recorded as attached, not sent again`, { tms_document_id: found.id });
      return { stored: "earlier", tmsDocumentId: found.id };
    }
    await note("info", `Import of ${name} had no clear answer (${errorMessage(err)}); the TMS order ${orderId} does not hold it, so it will be sent again`);
    throw err;
  }
}
