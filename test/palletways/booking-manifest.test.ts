import { describe, expect, it } from "vitest";
import { palletwaysDispatch } from "../../sandbox/qargo-dispatches.mjs";
import { buildConsignment, wrapManifest } from "../../src/carriers/palletways/booking-manifest";
import { parsePairs, type BookingSettings } from "../../src/carriers/palletways/booking-settings";
import { subcontractorDispatchSchema } from "../../src/tms/dispatch";

// The manifest's pure parts (palletways.md, "Where each field comes from").

const settings = (over: Partial<BookingSettings> = {}): BookingSettings => ({ account: "ACC9", services: { ND: "B", ECO: "E" }, billUnits: { PALLET: "FP", HALF: "HP" }, labelQuestion: "LABEL", podQuestion: "POD", ...over });
const parse = (d: unknown) => subcontractorDispatchSchema.parse(d);

describe("the manifest", () => {
  it("refuses an unmapped service level without a default, naming the level and the setting", () => {
    const r = buildConsignment(parse(palletwaysDispatch({ serviceLevel: "SAT" })), settings());
    expect(r).toEqual({ ok: false, problems: ["the service level SAT has no Palletways service: add SAT=<code> (or a default *=<code>) to PALLETWAYS_SERVICES"] });
    const withDefault = buildConsignment(parse(palletwaysDispatch({ serviceLevel: "SAT" })), settings({ services: { ND: "B", "*": "A" } }));
    expect(withDefault.ok && withDefault.consignment.Service).toEqual([{ Type: "Delivery", Code: "A" }]);
    const none = buildConsignment(parse(palletwaysDispatch({ serviceLevel: null })), settings());
    expect(none.ok).toBe(false);
  });

  it("counts lifts from handling units, else quantities; unmapped packaging is FP; weight rounds up; the note is cut at 250", () => {
    const r = buildConsignment(
      parse(palletwaysDispatch({
        planningInstructions: "x".repeat(300),
        goods: [
          { quantity: 3, total_weight_kg: 100.01, packaging: "CRATE", units: 0 },
          { quantity: 9, total_weight_kg: 50, packaging: "HALF", units: 2 },
          { quantity: 1, total_weight_kg: 0.5, packaging: null, units: 0 },
        ],
      })),
      settings(),
    );
    if (!r.ok) throw new Error(r.problems.join("; "));
    // Each good counts its handling units, or its quantity when it has none: 3 + 2 + 1.
    expect(r.consignment.Lifts).toBe(6);
    expect(r.consignment.Weight).toBe(151);
    expect(r.consignment.BillUnit).toEqual([{ Type: "FP", Amount: 4 }, { Type: "HP", Amount: 2 }]);
    expect(r.consignment.ManifestNote).toHaveLength(250);
    expect(r.consignment.NotificationSet).toBeUndefined();
    expect(r.consignment.Reference).toBe(r.consignment.Number);

    const noUnits = buildConsignment(parse(palletwaysDispatch({ goods: [{ quantity: 2, total_weight_kg: 10, packaging: "PALLET", units: 0 }, { quantity: 1, total_weight_kg: 10, packaging: "PALLET", units: 0 }] })), settings());
    expect(noUnits.ok && noUnits.consignment.Lifts).toBe(3);
  });

  it("dates the manifest in UK time and commits it", () => {
    const r = buildConsignment(parse(palletwaysDispatch()), settings());
    if (!r.ok) throw new Error("not built");
    const m = wrapManifest("ACC9", r.consignment, new Date("2026-07-01T23:30:00Z"));
    expect(m.Manifest).toMatchObject({ Date: "2026-07-02", Time: "00:30", Confirm: "yes", Depot: { Account: { Code: "ACC9" } } });
  });

  it("reads the mapping settings, refusing an unknown bill unit", () => {
    expect(parsePairs("nd=B, eco=E,*=B", "ND=B")).toEqual({ map: { ND: "B", ECO: "E", "*": "B" } });
    expect(parsePairs("PALLET=XX", "P=FP", (v) => (["FP"].includes(v) ? v : null))).toEqual({ problem: "“XX” is not one of FP, HP, QP, MQP, LP, ELP, SELP" });
    expect(parsePairs("ND", "ND=B")).toHaveProperty("problem");
  });
});
