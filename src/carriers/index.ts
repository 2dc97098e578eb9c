import { getConfig } from "../config";
import type { AnyJobDefinition } from "../engine";
import { errorMessage } from "../lib/errors";
import { redact } from "../lib/secrets";
import { tmsDocumentJob } from "../tms/document-job";
import type { Carrier } from "./carrier";
import { hazchem } from "./hazchem";
import { palletways } from "./palletways";
import { upn } from "./upn";

// The networks this connector speaks to. The centre reaches a network only through this list;
// adding one is a folder under src/carriers/ and a line here (docs/DEVELOPING.md).

export { PalletwaysWindow } from "./palletways";
export type { Carrier } from "./carrier";

const list: Carrier[] = [palletways, upn, hazchem];

export function carriers(): readonly Carrier[] {
  return list;
}

export function carrierFor(network: string): Carrier | undefined {
  return list.find((c) => c.network === network);
}

/** The carrier named by a TMS order's `pallet_network` custom field (case and spaces ignored). */
export function carrierForOrderField(value: string): Carrier | undefined {
  const v = value.trim().toUpperCase();
  return list.find((c) => c.orderFieldValue === v);
}

/** Enabled: its own settings are present and the TMS is configured (every network delivers into it). */
export function networkEnabled(env: Env, network: string): boolean {
  const c = carrierFor(network);
  return !!c && getConfig(env).tms !== null && c.settings(env).enabled;
}

export function networkLabel(network: string): string {
  return carrierFor(network)?.label ?? network;
}

/** A carrier's label, or null when `network` is none of them. */
export function carrierLabel(network: string): string | null {
  return carrierFor(network)?.label ?? null;
}

/** The declaration that runs a job: the centre's tms.document, else the job's own network's. */
export function jobDefinition(kind: string, network: string): AnyJobDefinition | undefined {
  if (kind === tmsDocumentJob.kind) return tmsDocumentJob;
  return carrierFor(network)?.jobs.find((j) => j.kind === kind);
}

/** Where a document went, in the network's words. */
export function describeDestination(network: string, destination: string): string {
  const c = carrierFor(network);
  return c?.documents?.describeDestination?.(destination) ?? (c ? `${c.label}: ${destination}` : destination);
}

/**
 * Adds a carrier at run time and returns its removal. For tests that plug in a stand-in network;
 * the Worker itself is built from the list above.
 */
export function registerCarrier(c: Carrier): () => void {
  if (carrierFor(c.network)) throw new Error(`a carrier named ${c.network} is already registered`);
  list.push(c);
  return () => {
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
  };
}

type RefreshOutcome =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; status: 400 | 404 | 409 | 502; error: string; message: string };

/** "Fetch from the network now", with the checks the API and the console both answer by. */
export async function refreshConsignment(env: Env, network: string, reference: string): Promise<RefreshOutcome> {
  const c = carrierFor(network);
  if (!c) return { ok: false, status: 404, error: "unknown_network", message: `There is no network called “${network}”. Use ${list.map((x) => x.network).join(", ")}.` };
  if (!c.refresh) return { ok: false, status: 400, error: "not_supported", message: `${c.label} has no manual refresh: its data arrives on the 10-minute cron.` };
  if (!networkEnabled(env, network)) return { ok: false, status: 409, error: "network_off", message: `${c.label} is switched off (its settings are absent).` };
  try {
    return { ok: true, result: await c.refresh(env, reference) };
  } catch (err) {
    return { ok: false, status: 502, error: "refresh_failed", message: redact(errorMessage(err)) };
  }
}
