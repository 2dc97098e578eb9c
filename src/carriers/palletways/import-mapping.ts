import { z } from "zod";
import type { PalletwaysAddress, PalletwaysConsignment } from "./import-client";
import { ukLocalToEpochMs } from "./uk-time";

// Pure translations for the import (tms-qargo.md "Orders the connector creates (Palletways
// import)", "Pallet scans"; palletways.md "Consignments for our delivery depot"). No I/O.

export const orderIdentifier = (trackingId: string) => `PW-${trackingId}`;
export const PALLETWAYS_CUSTOMER_CODE = "PALLETWAYS";
export const BARCODE_SOURCE = "PALLETWAYS";

/** Codes that put a consignment in front of a person whatever its NoteGroup says. */
const EXCEPTION_CODES = new Set(["15", "675"]);
const SCAN_STATUS: Record<string, "SCANNED_IN" | "SCANNED_OUT"> = { "700": "SCANNED_IN", "800": "SCANNED_OUT" };
export const JOB_COMPLETE = "900";

/** The fields of a status note the import reads (the notes pull keeps every field it was sent). */
export const importNoteSchema = z
  .object({
    Delta: z.coerce.number(),
    TrackingID: z.coerce.string().regex(/^\d{11}$/),
    StatusCode: z.coerce.string(),
    Barcode: z.coerce.string().optional().nullable(),
    NoteGroup: z.string().optional().nullable(),
    NoteType: z.string().optional().nullable(),
    NoteText: z.string().optional().nullable(),
    NoteDate: z.string().optional().nullable(),
    NoteTime: z.string().optional().nullable(),
    PodDate: z.string().optional().nullable(),
    PodTime: z.string().optional().nullable(),
    PodSignature: z.string().optional().nullable(),
  })
  .passthrough();

export type ImportNote = z.infer<typeof importNoteSchema>;

/** A note as kept in D1 (written through the schema above), read back for its job. */
export function storedNote(body: string): ImportNote | null {
  try {
    const p = importNoteSchema.safeParse(JSON.parse(body));
    return p.success ? p.data : null;
  } catch {
    return null;
  }
}

export const isException = (n: Pick<ImportNote, "StatusCode" | "NoteGroup">) => EXCEPTION_CODES.has(n.StatusCode) || (n.NoteGroup ?? "").trim().toLowerCase() === "exception";

export const palletOf = (n: Pick<ImportNote, "Barcode">): string | null => (n.Barcode && n.Barcode.trim() ? n.Barcode.trim() : null);

/** One row per note: Palletways' Delta is a time, so two notes may share it; code and pallet tell them apart. */
export const noteKey = (n: Pick<ImportNote, "TrackingID" | "Delta" | "StatusCode" | "Barcode">) => `${n.TrackingID}:${n.Delta}:${n.StatusCode}:${palletOf(n) ?? ""}`;

/** When the note happened (NoteDate + NoteTime, UK time), epoch ms; null when it says nothing usable. */
export function noteTime(n: Pick<ImportNote, "NoteDate" | "NoteTime">): number | null {
  return n.NoteDate && n.NoteTime ? ukLocalToEpochMs(n.NoteDate, n.NoteTime) : null;
}

function address(c: PalletwaysConsignment, type: "Collection" | "Delivery"): PalletwaysAddress | null {
  return c.Address.find((a) => a.Type.toLowerCase() === type.toLowerCase()) ?? null;
}

/** What an order cannot be made without; the consignment is refused with the field named. */
export function missingForOrder(c: PalletwaysConsignment): string | null {
  for (const type of ["Collection", "Delivery"] as const) {
    const a = address(c, type);
    if (!a) return `${type} address`;
    if (!a.PostCode?.trim()) return `${type} PostCode`;
    if (!a.Town?.trim()) return `${type} Town`;
    if (!a.Country?.trim()) return `${type} Country`;
  }
  return null;
}

function location(a: PalletwaysAddress) {
  const lines = (a.Line ?? []).map((l) => l.trim()).filter(Boolean);
  return {
    name: a.CompanyName?.trim() || a.ContactName?.trim() || "",
    address: lines[0] ?? "",
    address_second_line: lines.slice(1).join(", ") || null,
    city: a.Town!.trim(),
    postal_code: a.PostCode!.trim(),
    country: a.Country!.trim().toUpperCase(),
  };
}

const delivery = (c: PalletwaysConsignment) => c.Service?.find((s) => (s.Type ?? "Delivery").toLowerCase() === "delivery") ?? c.Service?.[0] ?? null;

/** Planners see the service whatever the tenant's service levels, then Palletways' manifest note. */
export function planningInstructions(c: PalletwaysConsignment): string {
  const s = delivery(c);
  const service = s ? `${s.Code}${s.Name ? ` ${s.Name}` : ""}` : "not stated by Palletways";
  const note = c.ManifestNote?.trim();
  return note ? `Palletways service: ${service}\n${note}` : `Palletways service: ${service}`;
}

export function serviceLevelCode(c: PalletwaysConsignment, levels: Record<string, string>): string | null {
  const code = delivery(c)?.Code.trim().toUpperCase();
  return code ? (levels[code] ?? null) : null;
}

/** OrderInput for `POST /v1/orders/order/upload`, as tms-qargo.md spells it. */
export function consignmentToOrderInput(c: PalletwaysConsignment, serviceLevels: Record<string, string> = {}) {
  const from = address(c, "Collection")!;
  const to = address(c, "Delivery")!;
  const level = serviceLevelCode(c, serviceLevels);
  const pallets = c.Pallet ?? [];
  return {
    operation: "CREATE" as const,
    order_identifier: orderIdentifier(c.TrackingID),
    // Exactly the tracking ID: documents and purchase lines are matched on it.
    customer_reference_number: c.TrackingID,
    customer: { code: PALLETWAYS_CUSTOMER_CODE },
    // Only a mapped service travels as a level: a code the tenant lacks would fail the import.
    ...(level ? { service_level: { code: level } } : {}),
    planning_instructions: planningInstructions(c),
    custom_fields: { pallet_network: "PALLETWAYS", network_reference: c.TrackingID, network_role: "DELIVERING" },
    consignments: [
      {
        consignment_reference_number: c.Number,
        transport_network: { collection_depot_code: c.CollectionDepot ?? null, delivery_depot_code: c.DeliveryDepot },
        pickup_stop: { location: location(from) },
        delivery_stop: {
          location: location(to),
          ...(c.DueDate?.trim() ? { date: c.DueDate.trim() } : {}),
          ...(to.Telephone?.trim() ? { phone_number: to.Telephone.trim() } : {}),
          ...(to.ContactName?.trim() ? { note: `Contact: ${to.ContactName.trim()}` } : {}),
        },
        goods: [
          {
            quantity: c.Lifts ?? pallets.length,
            total_weight_kg: c.Weight ?? null,
            handling_units: pallets.map((p) => ({ barcode: { value: p.Barcode, source: BARCODE_SOURCE } })),
          },
        ],
      },
    ],
  };
}

export type OrderMatch = { orderId: string } | { customerReference: string };

const orderCriterion = (m: OrderMatch) => ("orderId" in m ? { id: { matches_any: [m.orderId] } } : { customer_reference_number: { matches_any: [m.customerReference] } });

/** The one partial-order-update that gives the imported consignment its `palletways` fields. */
export function palletwaysFieldsUpdate(c: Pick<PalletwaysConsignment, "TrackingID" | "Number">, orderId: string) {
  return {
    updates: [
      {
        match: { matches_all: [{ order: orderCriterion({ orderId }) }] },
        consignment: { updates: [{ update: { operation: "UPDATE" as const, data: { palletways: { tracking_id: c.TrackingID, consignment_number: c.Number } } } }] },
      },
    ],
  };
}

/** UTC ISO without milliseconds. */
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * A note naming a pallet as one scan on that pallet's handling unit. `asData`: an older note
 * than one already applied to this pallet keeps its description but sends no status (rule 11).
 */
export function noteToScanUpdate(n: ImportNote & { Barcode: string }, match: OrderMatch, o: { question: string; depot: string; noteAtMs: number; asData: boolean }) {
  const status = o.asData ? undefined : SCAN_STATUS[n.StatusCode];
  return {
    match: { matches_all: [{ order: orderCriterion(match) }] },
    consignment: {
      updates: [
        {
          good: {
            updates: [
              {
                handling_unit: {
                  updates: [
                    {
                      match: { matches_all: [{ handling_unit: { barcode: { matches_any: [n.Barcode] } } }] },
                      question_answers: {
                        [o.question]: [
                          {
                            timestamp: iso(o.noteAtMs),
                            ...(status ? { status } : {}),
                            barcode: n.Barcode,
                            stop_location_code: `PW-${o.depot}`,
                            description: `Palletways ${n.StatusCode} ${n.NoteType ?? ""}`.trimEnd() + `, note ${n.Delta}`,
                          },
                        ],
                      },
                    },
                  ],
                },
              },
            ],
          },
        },
      ],
    },
  };
}

export const scanStatusFor = (code: string) => SCAN_STATUS[code] ?? null;

/** A plain-words line for the consignment's timeline. */
export function describeNote(n: ImportNote, effect: string): string {
  const what = `${n.StatusCode}${n.NoteType ? ` ${n.NoteType}` : ""}`;
  const when = n.NoteDate ? ` at ${n.NoteDate} ${n.NoteTime ?? ""} UK time`.trimEnd() : "";
  const pallet = palletOf(n);
  const text = n.NoteText?.trim() ? ` (“${n.NoteText.trim()}”)` : "";
  return `Palletways note ${what}${pallet ? ` for pallet ${pallet}` : ""}${when}${text}: ${effect}`;
}
