// Palletways simulator, the import half (palletways.md, "Consignments for our delivery depot"):
// `getConsignment/{trackingId}` over consignments of any depot, seeded by tests, the bench and
// the demo. Kept apart from palletways.mjs so the booking half can grow beside it.
import { json, text } from "./lib/http.mjs";

/** A consignment in Palletways' `getConsignment` shape; fields not given take plausible values. */
export function consignmentFixture(c) {
  const trackingId = String(c.TrackingID ?? c.trackingId ?? "");
  const pallets = c.Pallet ?? [{ Barcode: `B${trackingId.slice(-8)}A`, BillUnit: "FP" }];
  return {
    TrackingID: trackingId,
    Number: c.Number ?? `${trackingId.slice(0, 7)}-${trackingId.slice(-3)}`,
    Reference: c.Reference ?? "PO 7781",
    CollectionDepot: c.CollectionDepot ?? "112",
    DeliveryDepot: c.DeliveryDepot ?? "045",
    DueDate: c.DueDate ?? "2026-12-05",
    DueTime: c.DueTime ?? "",
    BookedIn: c.BookedIn ?? "no",
    Lifts: c.Lifts ?? pallets.length,
    Weight: c.Weight ?? 480 * pallets.length,
    ManifestNote: c.ManifestNote ?? "",
    Service: c.Service ?? [{ Type: "Delivery", Code: "B", Name: "Next Day" }],
    Pallet: pallets,
    Address: c.Address ?? [
      { Type: "Collection", CompanyName: "Acme Ltd", Line: ["1 Mill Lane"], Town: "Leeds", PostCode: "LS1 1AA", Country: "GB" },
      { Type: "Delivery", CompanyName: "Bob's Builders", ContactName: "Bob", Telephone: "01482 000000", Line: ["9 Quay St"], Town: "Hull", PostCode: "HU1 1AA", Country: "GB" },
    ],
  };
}

export function createPalletwaysImport({ apiPrefix }) {
  let consignments; // trackingId → consignment
  let lookups; // [{trackingId, at, found}]
  function reset() {
    consignments = new Map();
    lookups = [];
  }
  reset();

  function getConsignment(ctx) {
    if (ctx.query.outputformat !== "json") return text(200, "ERROR: Only outputformat=json is simulated.");
    const id = decodeURIComponent(ctx.params.id);
    const c = consignments.get(id);
    lookups.push({ trackingId: id, at: new Date().toISOString(), found: Boolean(c) });
    if (!c) return json(200, { Response: { Status: { Code: "NO_RESULTS_FOUND", Description: "No results found", Count: 0 } } });
    return json(200, { Response: { Status: { Code: "OK", Description: "", Count: 1 }, Detail: { Data: [c] } } });
  }

  /** `[{TrackingID, DeliveryDepot?, Pallet?, …}]` (or one): stored in the contract's shape. */
  function seedConsignments(ctx) {
    const b = ctx.json();
    const list = Array.isArray(b) ? b : [b];
    const bad = list.findIndex((c) => !c || !/^\d{11}$/.test(String(c.TrackingID ?? c.trackingId ?? "")));
    if (bad >= 0) return json(400, { error: "BAD_SEED", message: `consignment ${bad}: need TrackingID (11 digits)` });
    const stored = list.map(consignmentFixture);
    for (const c of stored) consignments.set(c.TrackingID, c);
    return json(200, stored);
  }

  return {
    routes: [["GET", new RegExp(`^${apiPrefix}/getConsignment/(?<id>[^/]+)$`), getConsignment]],
    control: [["POST", /^\/__sim\/consignments$/, seedConsignments]],
    state: () => ({ consignments: [...consignments.values()], lookups }),
    reset,
  };
}
