// The soak's Palletways import workload (issue 22), kept apart from scripts/soak.mjs (owned by
// the soak's maintainer) and wired in with three lines there:
//
//   import { palletwaysImportScenario, palletwaysImportCount } from "./soak/palletways-import.mjs";
//   // in `scenarios`:
//   palletwaysImport: palletwaysImportScenario({ urls, env, ref, items, post, sleep }),
//   // in check()'s switch, before the closing brace:
//   default: count = palletwaysImportCount(it, q) ?? count;
//
// Each run seeds, on the Palletways simulator, a consignment our depot delivers and one another
// depot delivers, and status notes for both (the first naming a pallet later, as happens when a
// pallet reaches our depot). The connector's cron must make exactly one TMS order of ours
// (lost / duplicated / stuck as any other item), none of the other's, and one scan per pallet note.

/** Item kinds this workload adds to the soak's list. */
export const KINDS = {
  order: "Palletways consignment → TMS order",
  scan: "Palletways pallet note → TMS scan",
  other: "Palletways other depot → no order",
};

export function palletwaysImportScenario({ urls, env, ref, items, post, sleep }) {
  return async function palletwaysImport() {
    const ours = "600" + ref("", 8);
    const other = "600" + ref("", 8);
    const pallet = `B${ours.slice(-8)}A`;
    await post(`${urls.palletwaysControl}/__sim/consignments`, [
      { TrackingID: ours, DeliveryDepot: env.PALLETWAYS_DEPOT, Pallet: [{ Barcode: pallet, BillUnit: "FP" }, { Barcode: `B${ours.slice(-8)}B`, BillUnit: "HP" }] },
      { TrackingID: other, DeliveryDepot: "112" },
    ]);
    items.push({ kind: KINDS.order, network: "palletways", reference: ours });
    items.push({ kind: KINDS.other, network: "palletways", reference: other });
    await post(`${urls.palletwaysControl}/__sim/notes`, [
      { TrackingID: ours, StatusCode: "300", NoteType: "At collection depot" },
      { TrackingID: other, StatusCode: "300", NoteType: "At collection depot" },
    ]);
    await sleep(4000);
    const uk = new Date();
    const [notes] = [await post(`${urls.palletwaysControl}/__sim/notes`, [
      { TrackingID: ours, Barcode: pallet, StatusCode: "700", NoteType: "At delivery depot", NoteDate: uk.toISOString().slice(0, 10), NoteTime: uk.toISOString().slice(11, 16) },
    ])];
    const delta = Array.isArray(notes) ? notes[0]?.Delta : undefined;
    items.push({ kind: KINDS.scan, network: "palletways", reference: ours, pallet, delta });
  };
}

/**
 * How many times the item arrived at its destination (the soak's rule: 1 delivered, more
 * duplicated, 0 lost or still on its way), or undefined for an item that is not this workload's.
 */
export function palletwaysImportCount(it, q) {
  switch (it.kind) {
    case KINDS.order:
      return q.orders_created.filter((o) => o.order_identifier === `PW-${it.reference}`).length;
    case KINDS.other:
      // Delivered means "correctly not imported": any order at all is a duplicate's worth of wrong.
      return q.orders_created.some((o) => o.order_identifier === `PW-${it.reference}`) ? 2 : 1;
    case KINDS.scan: {
      const c = q.scans.filter((s) => s.handling_unit === it.pallet && (s.description ?? "").endsWith(`note ${it.delta}`)).length;
      // A repeated scan for one note is harmless by contract (tms-qargo.md): counted once.
      return Math.min(c, 1);
    }
    default:
      return undefined;
  }
}
