import { describe, expect, it } from "vitest";
import { documentCreated, palletOrder, stopCompleted } from "../../sandbox/qargo-webhooks.mjs";
import { intakeBodySchema } from "./body";

const order = palletOrder({ reference: "60012340167", network: "PALLETWAYS", role: "DELIVERING" });
const paths = (r: { success: false; error: { issues: { path: PropertyKey[] }[] } }) => r.error.issues.map((i) => i.path.join("."));

describe("intakeBodySchema", () => {
  it("parses each event's update by its type and decodes inline files", () => {
    const body = { ...stopCompleted({ order }), events: [...stopCompleted({ order }).events, ...documentCreated({ order, documentType: "PROOF_OF_DELIVERY", name: "pod.pdf", content: new Uint8Array([1, 2, 3]), mimeType: "application/pdf" }).events] };
    const r = intakeBodySchema.safeParse(body);
    expect(r.success).toBe(true);
    if (!r.success) return;
    expect(r.data.events.map((e) => e.update.type)).toEqual(["Stop", "Document"]);
    expect(r.data.events[1]!.inline).toEqual(new Uint8Array([1, 2, 3]));
    expect(r.data.events[0]!.inline).toBeNull();
  });

  it("names a malformed event's fields under events.N.update, and a bad base64 by its path", () => {
    const badStop = intakeBodySchema.safeParse({ events: [{ timestamp: "2026-11-23T10:00:00Z", update: { type: "Stop", stop: { id: "s" } } }], order: null });
    expect(badStop.success).toBe(false);
    if (!badStop.success) expect(paths(badStop)).toEqual(expect.arrayContaining(["events.0.update.stop.status"]));
    const badFile = intakeBodySchema.safeParse(documentCreated({ order, documentType: "PROOF_OF_DELIVERY", name: "pod.pdf", content: "not base64 at all!", mimeType: "application/pdf" }));
    expect(badFile.success).toBe(false);
    if (!badFile.success) expect(paths(badFile)).toEqual(["events.0.update.document.document_content.content"]);
  });

  it("checks the events only once the update itself is well formed", () => {
    const r = intakeBodySchema.safeParse({ events: [{ update: { type: "Stop", stop: { id: "s" } } }] });
    expect(r.success).toBe(false);
    if (!r.success) expect(paths(r)).toEqual(["events.0.timestamp"]);
  });
});
