import { carrierFor, carrierForOrderField, networkEnabled, type Carrier } from "../carriers";
import type { NewJob, TimelineEntry } from "../engine";
import { sha256Hex } from "../lib/bytes";
import { referenceProblem } from "../lib/reference";
import { tmsDocumentJob, type TmsDocumentPayload } from "../tms/document-job";
import type { DocumentUpdate, StopUpdate } from "../tms/schemas";
import { completionTime, isDeliveryCompleted, isDocumentCreated, linkOrder, type OrderLink } from "../tms/visibility";
import type { IntakeBody } from "./body";

// What one update means, decided before anything is written: the order it links to, the jobs
// and timeline lines it implies, and the inline files to keep in R2 (inline files can be
// megabytes: they go to R2, and the job carries the key).

export type Blob = { key: string; bytes: Uint8Array; contentType: string };
export type IntakePlan = { link: OrderLink | null; jobs: NewJob[]; timeline: TimelineEntry[]; blobs: Blob[] };
/** An update the sender must fix: nothing of it is written. */
export type IntakeRefusal = { refused: { path: string; message: string } };
/** The linked consignment's carrier, whether it is switched on, and what every line is about. */
type Target = { link: OrderLink; carrier: Carrier; enabled: boolean; on: { network: string; reference: string } };

export async function planUpdate(env: Env, body: IntakeBody): Promise<IntakePlan | IntakeRefusal> {
  const link = linkOrder(body.update.order, (v) => carrierForOrderField(v)?.network);
  const carrier = link ? carrierFor(link.network) : undefined;
  const plan: IntakePlan = { link, jobs: [], timeline: [], blobs: [] };
  if (!link || !carrier) return plan;
  // The reference becomes part of the network's URLs and file names: one that could point
  // elsewhere (`..`, a slash) is the sender's error, refused before anything is written.
  const problem = referenceProblem(link.reference, carrier.label, carrier.referenceFormat);
  if (problem) return { refused: { path: "order.custom_fields.network_reference", message: problem } };
  const target: Target = { link, carrier, enabled: networkEnabled(env, carrier.network), on: { network: link.network, reference: link.reference } };
  for (const { update: u, timestamp, inline } of body.events) {
    if (u.type === "Stop" && isDeliveryCompleted(u.value) && carrier.onDeliveryCompleted) planCompletion(env, plan, target, u.value, timestamp);
    else if (u.type === "Document" && isDocumentCreated(u.value)) await planDocument(env, plan, target, u.value, inline);
  }
  return plan;
}

function planCompletion(env: Env, plan: IntakePlan, { link, carrier, enabled, on }: Target, stop: StopUpdate, timestamp: string): void {
  if (!carrier.onDeliveryCompleted) return;
  if (!enabled) {
    plan.timeline.push({ ...on, kind: "skipped", step: "tms.stop-completed", outcome: "skipped", message: `TMS: delivery completed, not acted on: ${carrier.label} is switched off (its settings are absent)` });
    return;
  }
  const reaction = carrier.onDeliveryCompleted(env, {
    reference: link.reference,
    stopId: stop.stop.id,
    completedAt: completionTime(stop, timestamp),
    orderId: link.orderId,
    role: link.role,
  });
  plan.timeline.push(...reaction.timeline.map((e) => ({ ...on, ...e })));
  plan.jobs.push(...reaction.jobs);
}

async function planDocument(env: Env, plan: IntakePlan, { link, carrier, enabled, on }: Target, u: DocumentUpdate, inline: Uint8Array | null): Promise<void> {
  const doc = u.document;
  const what = `${doc.document_type} "${doc.name}"`;
  const route = !enabled
    ? { skip: `${carrier.label} is switched off (its settings are absent)` }
    : carrier.documents
    ? carrier.documents.route(env, { documentType: doc.document_type, role: link.role })
    : { skip: `${carrier.label} takes no documents from the TMS` };
  if ("skip" in route) {
    plan.timeline.push({ ...on, kind: "skipped", step: "tms.document", outcome: "skipped", message: `TMS document ${what} not sent: ${route.skip}`, detail: { document_id: u.id ?? null } });
    return;
  }
  let content: TmsDocumentPayload["content"];
  let identity: string;
  if ("content" in doc.document_content && inline) {
    const sha = await sha256Hex(inline);
    const key = `tms-inbox/${sha}`;
    plan.blobs.push({ key, bytes: inline, contentType: doc.document_content.mime_type });
    content = { r2Key: key, contentType: doc.document_content.mime_type, filename: doc.document_content.filename };
    identity = u.id ?? sha;
  } else if ("download_url" in doc.document_content) {
    content = { downloadUrl: doc.document_content.download_url };
    identity = u.id ?? doc.document_content.download_url;
  } else return; // an inline file always arrives decoded (intake/body.ts): not reached
  plan.timeline.push({ ...on, kind: "webhook", step: "tms.document", outcome: "info", message: `TMS: new document ${what}, for ${carrier.label}`, detail: { document_id: u.id ?? null } });
  plan.jobs.push(tmsDocumentJob.job({
    ...on,
    payload: {
      documentId: u.id ?? null,
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
