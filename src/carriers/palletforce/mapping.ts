import type { ManifestBody, PalletforceAddress, PalletforceConsignment, PalletforceEvent } from "./client";
import type { DispatchConsignment, DispatchOrder, DispatchStop } from "../../tms/dispatch";
import {
  BARCODE_SOURCE,
  COLLECTING_MOVES,
  CUSTOMER_CODE,
  DELIVERING_MOVES,
  EVENT_NAMES,
  ORDER_FIELD_VALUE,
  SCAN_STATUS,
  type StopMove,
  type StopStatus,
  type StopType,
} from "./enums";
import type { PalletforceSettings } from "./settings";

// Pure translations between Palletforce's shapes and the TMS's (palletforce.md, tms-qargo.md).
// No I/O, so each is tested beside the code on recorded payloads (test/fixtures/palletforce/).

export type Role = "COLLECTING" | "DELIVERING";

// ---------------------------------------------------------------- booking (UploadManifest)

export type ManifestResult = { ok: true; body: ManifestBody } | { ok: false; problems: string[] };

const NOTE_MAX = 250;

function missingAddressFields(stop: DispatchStop, which: string): string[] {
  const l = stop.location;
  const out: string[] = [];
  if (!l.postal_code?.trim()) out.push(`the ${which} address has no postcode`);
  if (!l.city?.trim()) out.push(`the ${which} address has no town`);
  if (!l.country?.trim()) out.push(`the ${which} address has no country`);
  return out;
}

function address(stop: DispatchStop, contact: boolean): PalletforceAddress {
  const l = stop.location;
  return {
    name: l.name?.trim() ?? "",
    street: [l.address, l.address_second_line].map((s) => s?.trim()).filter(Boolean).join(", "),
    town: l.city!.trim(),
    county: "",
    postcode: l.postal_code!.trim(),
    country: l.country!.trim(),
    contactName: contact ? (l.contact_name?.trim() ?? "") : "",
    telephone: contact ? (stop.phone_number?.trim() ?? "") : "",
  };
}

/** Handling units per Palletforce pallet type (a good without handling units counts its quantity). */
export function palletCounts(c: DispatchConsignment, palletTypes: Record<string, string>): { pallets: { palletType: string; numberofPallets: number }[]; spaces: number; weight: number } {
  const byType = new Map<string, number>();
  let units = 0;
  let quantity = 0;
  let weight = 0;
  for (const g of c.goods ?? []) {
    const code = g.packaging_type?.code?.trim().toUpperCase() ?? "";
    const type = (code && palletTypes[code]) || "FULL";
    const n = g.handling_units?.length ? g.handling_units.length : Math.max(0, Math.round(g.quantity ?? 0));
    if (g.handling_units?.length) units += g.handling_units.length;
    quantity += Math.max(0, Math.round(g.quantity ?? 0));
    if (n > 0) byType.set(type, (byType.get(type) ?? 0) + n);
    weight += g.total_weight_kg ?? 0;
  }
  return {
    pallets: [...byType.entries()].map(([palletType, numberofPallets]) => ({ palletType, numberofPallets })),
    spaces: units || quantity,
    weight: Math.ceil(weight),
  };
}

/** The service name for the order's service level (PALLETFORCE_SERVICES, `*` the default). */
export function serviceName(order: DispatchOrder, services: Record<string, string>): { name: string } | { problem: string } {
  const code = order.service_level?.code?.trim().toUpperCase();
  if (code && services[code]) return { name: services[code]! };
  if (services["*"]) return { name: services["*"] };
  return code
    ? { problem: `the service level ${code} has no Palletforce service: add it to PALLETFORCE_SERVICES (e.g. ${code}=NEXT DAY) or set a default with *` }
    : { problem: "the order has no service level and PALLETFORCE_SERVICES has no default (*)" };
}

/** The one order's one consignment as an UploadManifest, or every reason it cannot be booked. */
export function manifestFromDispatch(orders: DispatchOrder[], s: Pick<PalletforceSettings, "depot" | "services" | "palletTypes"> & { account: string }): ManifestResult {
  if (orders.length !== 1) return { ok: false, problems: [`Palletforce takes one consignment per dispatch; this trip has ${orders.length} orders: dispatch each order on its own trip`] };
  const order = orders[0]!;
  const cons = order.consignments ?? [];
  if (cons.length !== 1) return { ok: false, problems: [`Palletforce takes one consignment per dispatch; order ${order.name} has ${cons.length}: split it into one order per consignment`] };
  const c = cons[0]!;
  const problems = [...missingAddressFields(c.pickup_stop, "collection"), ...missingAddressFields(c.delivery_stop, "delivery")];
  const service = serviceName(order, s.services);
  if ("problem" in service) problems.push(service.problem);
  const counts = palletCounts(c, s.palletTypes);
  if (counts.spaces === 0) problems.push("the consignment has no goods (no handling units and no quantity)");
  if (problems.length || "problem" in service) return { ok: false, problems };
  const note = (c.planning_instructions?.trim() || order.planning_instructions?.trim() || "").slice(0, NOTE_MAX);
  const email = c.delivery_stop.email?.trim();
  const dates: { dateTimeType: "COLD" | "DELD"; value: string }[] = [];
  if (c.pickup_stop.date) dates.push({ dateTimeType: "COLD", value: c.pickup_stop.date.slice(0, 10) });
  if (c.delivery_stop.date) dates.push({ dateTimeType: "DELD", value: c.delivery_stop.date.slice(0, 10) });
  return {
    ok: true,
    body: {
      uniqueTransactionNumber: order.id,
      collectionAddress: address(c.pickup_stop, false),
      deliveryAddress: address(c.delivery_stop, true),
      consignments: [
        {
          requestingDepot: s.depot,
          consignmentNumber: order.name,
          CustomerAccountNumber: s.account,
          datesAndTimes: dates,
          pallets: counts.pallets,
          palletSpaces: counts.spaces,
          weight: counts.weight,
          serviceName: service.name,
          notes: note ? [note] : [],
          notifications: email ? [{ type: "EMAIL", value: email }] : [],
        },
      ],
    },
  };
}

/** The TMS learns the booking: the consignment's `palletforce` fields and the order's network fields. */
export function bookingWriteBack(orderId: string, trackingNumber: string, account: string) {
  return {
    updates: [
      {
        match: { matches_all: [{ order: { id: { matches_any: [orderId] } } }] },
        update: { operation: "UPDATE", data: { custom_fields: { pallet_network: ORDER_FIELD_VALUE, network_reference: trackingNumber, network_role: "COLLECTING" } } },
        consignment: { updates: [{ update: { operation: "UPDATE", data: { palletforce: { palletforce_id: trackingNumber, customer_account_number: account } } } }] },
      },
    ],
  };
}

// ---------------------------------------------------------------- import (DownloadConsignments)

export const orderIdentifier = (trackingNumber: string) => `PF-${trackingNumber}`;

function location(a: PalletforceAddress) {
  const [first, ...rest] = a.street.split(",").map((s) => s.trim());
  return {
    name: a.name,
    address: first ?? "",
    address_second_line: rest.length ? rest.join(", ") : null,
    city: a.town,
    postal_code: a.postcode,
    country: a.country,
  };
}

export function planningInstructions(c: Pick<PalletforceConsignment, "serviceName" | "notes">): string {
  const lines = [`Palletforce service: ${c.serviceName?.trim() || "not stated by Palletforce"}`, ...(c.notes ?? []).map((n) => n.trim()).filter(Boolean)];
  return lines.join("\n");
}

/** OrderInput for a consignment our depot delivers (`POST /v1/orders/order/upload`). */
export function consignmentToOrderInput(c: PalletforceConsignment, serviceLevels: Record<string, string>) {
  const level = c.serviceName ? serviceLevels[c.serviceName.trim().toUpperCase()] : undefined;
  const d = c.deliveryAddress;
  return {
    operation: "CREATE" as const,
    order_identifier: orderIdentifier(c.trackingNumber),
    // Exactly the tracking number: the TMS matches purchase invoice lines on it.
    customer_reference_number: c.trackingNumber,
    customer: { code: CUSTOMER_CODE },
    // Only a mapped service travels as a service level: an unknown code fails the whole import.
    ...(level ? { service_level: { code: level } } : {}),
    planning_instructions: planningInstructions(c),
    custom_fields: { pallet_network: ORDER_FIELD_VALUE, network_reference: c.trackingNumber, network_role: "DELIVERING" },
    consignments: [
      {
        consignment_reference_number: c.consignmentNumber,
        palletforce: { palletforce_id: c.trackingNumber },
        transport_network: { collection_depot_code: c.collectionDepot ?? c.requestingDepot ?? null, delivery_depot_code: c.deliveryDepot },
        pickup_stop: { location: location(c.collectionAddress) },
        delivery_stop: {
          location: location(d),
          ...(c.deliveryDate ? { date: c.deliveryDate } : {}),
          ...(d.telephone ? { phone_number: d.telephone } : {}),
          ...(d.contactName ? { note: `Contact: ${d.contactName}` } : {}),
        },
        goods: [
          {
            quantity: c.pallets.length,
            total_weight_kg: c.weight ?? null,
            handling_units: c.pallets.map((p) => ({ barcode: { value: p.palletBarcode, source: BARCODE_SOURCE } })),
          },
        ],
      },
    ],
  };
}

// ---------------------------------------------------------------- tracking (DownloadTracking)

/** Qargo insists on an explicit offset; a bare time is read as UTC. */
export function eventTime(t: string): string {
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(t) ? t : `${t}Z`;
  const ms = Date.parse(withZone);
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace(/\.000Z$/, "Z") : withZone;
}

/** An event's identity: code, time and pallet (palletforce.md). The whole history comes back each read. */
export function eventKey(e: Pick<PalletforceEvent, "eventCode" | "eventDateTime" | "palletBarcode">): string {
  return `${e.eventCode}|${eventTime(e.eventDateTime)}|${e.palletBarcode?.trim() ?? ""}`;
}

export const eventName = (e: Pick<PalletforceEvent, "eventCode" | "eventDescription">) => e.eventDescription?.trim() || EVENT_NAMES[e.eventCode] || e.eventCode;

const RANK: Record<StopStatus, number> = { AT_STOP: 1, COMPLETED: 2 };

export interface AppliedMove {
  stop: StopType;
  status: StopStatus;
  /** ISO time of the event that completed the set. */
  at: string;
}

export interface DueMove extends StopMove {
  at: string;
  /** The event that completed the set (its code, description, pallet). */
  event: PalletforceEvent;
}

/**
 * The stop moves that every pallet's events now call for and that have not been applied
 * (palletforce.md, "a stop moves only when every pallet has the event", rule 11).
 * `pallets`: how many pallets the consignment has; `known`: their barcodes when we know them
 * (imported). An event without a pallet barcode is the whole consignment's: every pallet has it.
 */
export function dueMoves(events: PalletforceEvent[], role: Role, pallets: number, known: string[], applied: AppliedMove[]): { due: DueMove[]; dataOnly: { move: StopMove; at: string; why: string }[] } {
  const table = role === "COLLECTING" ? COLLECTING_MOVES : DELIVERING_MOVES;
  const targets = new Map<string, { move: StopMove; codes: Set<string> }>();
  for (const [code, move] of Object.entries(table)) {
    const k = `${move.stop}:${move.status}`;
    const t = targets.get(k) ?? { move, codes: new Set<string>() };
    t.codes.add(code);
    targets.set(k, t);
  }
  const candidates: DueMove[] = [];
  for (const { move, codes } of targets.values()) {
    if (applied.some((a) => a.stop === move.stop && a.status === move.status)) continue;
    const matching = events.filter((e) => codes.has(e.eventCode)).sort((a, b) => Date.parse(eventTime(a.eventDateTime)) - Date.parse(eventTime(b.eventDateTime)));
    if (!matching.length) continue;
    const whole = matching.find((e) => !e.palletBarcode?.trim());
    // Each pallet's first event of the set; the set is complete when every pallet has one.
    const first = new Map<string, PalletforceEvent>();
    for (const e of matching) {
      const p = e.palletBarcode?.trim();
      if (p && !first.has(p)) first.set(p, e);
    }
    let completing: PalletforceEvent | null = null;
    if (whole) completing = whole;
    if (known.length) {
      if (known.every((p) => first.has(p))) {
        const last = known.map((p) => first.get(p)!).sort((a, b) => Date.parse(eventTime(a.eventDateTime)) - Date.parse(eventTime(b.eventDateTime))).at(-1)!;
        completing = pickEarlier(completing, last);
      }
    } else if (first.size >= Math.max(1, pallets)) {
      const ordered = [...first.values()].sort((a, b) => Date.parse(eventTime(a.eventDateTime)) - Date.parse(eventTime(b.eventDateTime)));
      completing = pickEarlier(completing, ordered[Math.max(1, pallets) - 1]!);
    }
    if (completing) candidates.push({ ...move, at: eventTime(completing.eventDateTime), event: completing });
  }
  candidates.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || RANK[a.status] - RANK[b.status]);
  const due: DueMove[] = [];
  const dataOnly: { move: StopMove; at: string; why: string }[] = [];
  const done = [...applied];
  for (const m of candidates) {
    const onStop = done.filter((a) => a.stop === m.stop);
    const higher = onStop.find((a) => RANK[a.status] >= RANK[m.status]);
    const newer = onStop.find((a) => Date.parse(a.at) > Date.parse(m.at));
    if (higher) dataOnly.push({ move: m, at: m.at, why: `the ${m.stop.toLowerCase()} stop is already ${higher.status}` });
    else if (newer) dataOnly.push({ move: m, at: m.at, why: `older than the ${newer.status} already applied to the ${m.stop.toLowerCase()} stop (${newer.at})` });
    else {
      due.push(m);
      done.push({ stop: m.stop, status: m.status, at: m.at });
    }
  }
  return { due, dataOnly };
}

/**
 * Moves the TMS may or may not hold (an unclear answer, or a send whose outcome was never
 * recorded) to send once more, oldest first: each unless a settled move on its stop is higher
 * or newer, since repeating it then would step the stop back (rule 11). Only the event that
 * completed the set is needed; it is found in the history by its identity.
 */
export function movesToRepeat(maybe: (AppliedMove & { eventKey: string })[], settled: AppliedMove[], events: PalletforceEvent[]): DueMove[] {
  const out: DueMove[] = [];
  for (const m of maybe) {
    const superseded = settled.some((a) => a.stop === m.stop && (RANK[a.status] > RANK[m.status] || Date.parse(a.at) > Date.parse(m.at)));
    const event = events.find((e) => eventKey(e) === m.eventKey);
    if (!superseded && event) out.push({ stop: m.stop, status: m.status, at: m.at, event });
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || RANK[a.status] - RANK[b.status]);
}

function pickEarlier(a: PalletforceEvent | null, b: PalletforceEvent): PalletforceEvent {
  if (!a) return b;
  return Date.parse(eventTime(a.eventDateTime)) <= Date.parse(eventTime(b.eventDateTime)) ? a : b;
}

/** Where a stop update goes: the dispatch's stop by id (booked), else the order's stop by type. */
export type StopTarget = { stopId: string } | { orderId: string; stopType: StopType } | { customerReference: string; stopType: StopType };

export function questionAnswers(e: PalletforceEvent) {
  return { palletforce_event: `${e.eventCode} ${eventName(e)}`, pallet_barcode: e.palletBarcode?.trim() || null };
}

/** One `subco-status-update` entry for a due move. */
export function moveToStatusUpdate(m: DueMove, target: StopTarget) {
  const stop =
    "stopId" in target
      ? { id: target.stopId }
      : {
          match: {
            matches_all: [
              {
                order: "orderId" in target ? { id: { matches_any: [target.orderId] } } : { customer_reference_number: { matches_any: [target.customerReference] } },
                stop: { stop_type: target.stopType },
              },
            ],
          },
        };
  return { stop: { ...stop, status: m.status, question_answers: questionAnswers(m.event) }, event_time: m.at };
}

/** Which events of an imported consignment are scans on a pallet's handling unit. */
export function isPalletScan(e: PalletforceEvent, role: Role): e is PalletforceEvent & { palletBarcode: string } {
  return role === "DELIVERING" && !!e.palletBarcode?.trim() && !(e.eventCode in DELIVERING_MOVES);
}

export function scanAnswer(e: PalletforceEvent & { palletBarcode: string }, depot: string) {
  const status = SCAN_STATUS[e.eventCode];
  return {
    timestamp: eventTime(e.eventDateTime),
    ...(status ? { status } : {}),
    barcode: e.palletBarcode.trim(),
    stop_location_code: `PF-${depot}`,
    description: `Palletforce ${e.eventCode} ${eventName(e)}`,
  };
}

/** One `partial-order-update` entry recording the scan on that pallet's handling unit only. */
export function scanUpdate(e: PalletforceEvent & { palletBarcode: string }, order: { orderId: string } | { customerReference: string }, question: string, depot: string) {
  const match = "orderId" in order ? { id: { matches_any: [order.orderId] } } : { customer_reference_number: { matches_any: [order.customerReference] } };
  return {
    match: { matches_all: [{ order: match }] },
    consignment: {
      updates: [
        {
          good: {
            updates: [
              {
                handling_unit: {
                  updates: [
                    {
                      match: { matches_all: [{ handling_unit: { barcode: { matches_any: [e.palletBarcode.trim()] } } }] },
                      question_answers: { [question]: [scanAnswer(e, depot)] },
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

/** A plain-words line for the consignment's timeline. */
export function describeEvent(e: PalletforceEvent, effect: string): string {
  const pallet = e.palletBarcode?.trim() ? `pallet ${e.palletBarcode.trim()}` : "the consignment";
  return `Palletforce ${e.eventCode} (${eventName(e)}) for ${pallet} at ${eventTime(e.eventDateTime)}: ${effect}`;
}

// ---------------------------------------------------------------- our scans (UploadScans)

/** A TMS update of one of the orders we deliver → the scan it means for Palletforce, if any. */
export function ourScanFor(update: { kind: "stop"; stopType: string; status: string } | { kind: "document"; documentType: string; status: string }): "DONR" | "ARDL" | "POD" | null {
  if (update.kind === "stop") {
    if (update.stopType === "PICKUP" && update.status === "COMPLETED") return "DONR";
    if (update.stopType === "DELIVERY" && update.status === "AT_STOP") return "ARDL";
    return null;
  }
  if (update.status === "CREATED" && (update.documentType === "PROOF_OF_DELIVERY" || update.documentType === "PROOF_OF_DELIVERY_SIGNED")) return "POD";
  return null;
}
