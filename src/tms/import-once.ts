import { z } from "zod";
import { TransientError, errorMessage } from "../lib/errors";
import type { TimelineKind, TimelineOutcome } from "../lib/timeline";
import { TmsClient } from "./client";

// Qargo's document-import has no idempotency key (tms-qargo.md, "Unclear outcomes"): an import
// answered by a timeout, a reset or a 5xx may have been stored. Before it goes out again, the
// order's documents are listed; a document with the name and type we sent means it is there.
// Every caller of document-import goes through here, so the rule lives in one place.

export interface ImportInput {
  match: { orderId: string } | { customerReference: string };
  filename: string;
  documentType: string;
  documentName?: string;
  bytes: Uint8Array;
  contentType: string;
}

type Note = { kind: TimelineKind; step: string; outcome: TimelineOutcome; message: string; detail?: Record<string, unknown> };

export interface ImportOnceOptions {
  /** The job's attempt number: any attempt after the first may follow an unclear outcome. */
  attempt: number;
  step: string;
  timeline: (entry: Note) => Promise<void>;
}

export type ImportOnceResult = { stored: "now" } | { stored: "earlier"; tmsDocumentId: string };

const orderDocumentsSchema = z.array(z.object({ id: z.string(), name: z.string(), type: z.string() }).passthrough());

/** GET /v1/orders/order/{order_id}/documents: the documents the order holds. */
export async function listOrderDocuments(client: TmsClient, orderId: string): Promise<z.infer<typeof orderDocumentsSchema>> {
  const res = await client.call(`/v1/orders/order/${encodeURIComponent(orderId)}/documents`, { method: "GET", auth: "bearer", step: "tms.order.documents" });
  const parsed = orderDocumentsSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new TransientError("the TMS answered the order's document list in a shape we do not understand", "TMS_DOCUMENTS_SHAPE");
  return parsed.data;
}

/** A TransientError is an unclear outcome: the request may have reached Qargo and been stored. */
export function isUnclear(err: unknown): boolean {
  return err instanceof TransientError && err.code !== "TMS_RETRIES";
}

export async function importDocumentOnce(env: Env, input: ImportInput, opts: ImportOnceOptions): Promise<ImportOnceResult> {
  const client = new TmsClient(env);
  const name = input.documentName ?? input.filename;
  const orderId = "orderId" in input.match ? input.match.orderId : null;
  const findStored = async () => {
    const docs = await listOrderDocuments(client, orderId!);
    return docs.find((d) => d.name === name && d.type === input.documentType) ?? null;
  };
  const note = (outcome: TimelineOutcome, message: string, detail: Record<string, unknown> = {}) =>
    opts.timeline({ kind: "info", step: opts.step, outcome, message, detail: { reconcile: true, document_name: name, document_type: input.documentType, ...detail } });

  if (opts.attempt > 1) {
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
