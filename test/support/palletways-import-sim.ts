// The Palletways simulator's import half (sandbox/palletways-import.mjs) from tests in workerd.
import { env } from "cloudflare:test";

const base = () => (env as unknown as Record<string, string>).PALLETWAYS_SIM_CONTROL_URL!;

async function control<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(base() + path, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export interface PwConsignmentSeed {
  TrackingID: string;
  Number?: string;
  Reference?: string;
  CollectionDepot?: string;
  DeliveryDepot?: string;
  DueDate?: string;
  Lifts?: number;
  Weight?: number;
  ManifestNote?: string;
  Service?: { Type: string; Code: string; Name?: string }[];
  Pallet?: { Barcode: string; BillUnit?: string }[];
  Address?: Record<string, unknown>[];
}

export const pwImportSim = {
  seedConsignments: (list: PwConsignmentSeed[]) => control<Required<PwConsignmentSeed>[]>("/__sim/consignments", list),
  /** Every getConsignment call the simulator answered, oldest first. */
  lookups: async (trackingId?: string) => {
    const s = await control<{ lookups: { trackingId: string; at: string; found: boolean }[] }>("/__sim/state");
    return trackingId ? s.lookups.filter((l) => l.trackingId === trackingId) : s.lookups;
  },
};
