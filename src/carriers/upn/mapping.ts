import type { UpnConsignment, UpnEpodBody, UpnParty, UpnTrackingEvent } from "./client";
import { EXCEPTION_STAGES, STAGE_TO_STOP_STATUS, UPN_BARCODE_SOURCE, UPN_CUSTOMER_CODE, type TmsStopStatus } from "./enums";

// Pure translations between UPN's shapes and the TMS's (tms-qargo.md "Orders the connector
// creates", subco-status-update). No I/O, so each is tested on recorded payloads.

export const orderIdentifier = (barcode: string) => `UPN-${barcode}`;

/** How a status update finds its order: by id whenever we know it (Qargo drops ambiguous matches). */
export type OrderMatch = { orderId: string } | { customerReference: string };

export function location(p: UpnParty) {
  return {
    name: p.name,
    address: p.address1,
    address_second_line: p.address2 ?? null,
    city: p.town,
    postal_code: p.postcode,
    country: p.country,
  };
}

/** OrderInput for `POST /v1/orders/order/upload`, exactly as tms-qargo.md spells it. */
export function consignmentToOrderInput(c: UpnConsignment) {
  const consignee = c.consignee;
  return {
    operation: "CREATE" as const,
    order_identifier: orderIdentifier(c.barcode),
    // Exactly the barcode: the TMS matches purchase invoice lines on it.
    customer_reference_number: c.barcode,
    customer: { code: UPN_CUSTOMER_CODE },
    // UPN's service (NEXT_DAY…) is not sent: tms-qargo.md lists the fields, and a service-level
    // code the tenant does not have would make Qargo refuse the whole import.
    planning_instructions: c.instructions ?? null,
    custom_fields: { pallet_network: "UPN", network_reference: c.barcode, network_role: "DELIVERING" },
    consignments: [
      {
        consignment_reference_number: c.barcode,
        pickup_stop: { location: location(c.shipper) },
        delivery_stop: {
          location: location(consignee),
          ...(consignee.phone ? { phone_number: consignee.phone } : {}),
          ...(consignee.contact ? { note: `Contact: ${consignee.contact}` } : {}),
        },
        goods: [
          {
            quantity: c.pallets.length,
            total_weight_kg: c.total_weight_kg ?? null,
            handling_units: c.pallets.map((p) => ({ barcode: { value: p.barcode, source: UPN_BARCODE_SOURCE } })),
          },
        ],
      },
    ],
  };
}

export type OrderInput = ReturnType<typeof consignmentToOrderInput>;

export function stopStatusFor(stageCode: string): TmsStopStatus | null {
  return STAGE_TO_STOP_STATUS[stageCode] ?? null;
}

export const isException = (stageCode: string) => EXCEPTION_STAGES.has(stageCode);

/** UPN sends UTC; Qargo insists on an explicit offset, so a bare time is read as UTC. */
function eventTime(occurredAt: string): string {
  return /(Z|[+-]\d{2}:?\d{2})$/i.test(occurredAt) ? occurredAt : `${occurredAt}Z`;
}

export function questionAnswers(e: UpnTrackingEvent) {
  return {
    upn_stage_code: e.stage_code,
    upn_stage: e.stage ?? null,
    capture_type: e.capture_type,
    pallet_barcode: e.pallet_barcode ?? null,
    upn_event_id: e.event_id,
    note: e.note ?? null,
  };
}

/** One `BaseStatusUpdate` for the order's delivery stop; `status` only for ARR and DEL. */
export function eventToStatusUpdate(e: UpnTrackingEvent, match: OrderMatch) {
  const order = "orderId" in match ? { id: { matches_any: [match.orderId] } } : { customer_reference_number: { matches_any: [match.customerReference] } };
  const status = stopStatusFor(e.stage_code);
  return {
    stop: {
      match: { matches_all: [{ order, stop: { stop_type: "DELIVERY" as const } }] },
      ...(status ? { status } : {}),
      question_answers: questionAnswers(e),
    },
    event_time: eventTime(e.occurred_at),
  };
}

/** Events of one order in the order they happened, so a DEL never lands before its ARR. */
export function byOccurrence<T extends { occurred_at: string; event_id: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at) || a.event_id.localeCompare(b.event_id));
}

/** A plain-words line for the consignment's timeline. */
export function describeEvent(e: UpnTrackingEvent): string {
  const status = stopStatusFor(e.stage_code);
  const what = `${e.stage ?? e.stage_code} (${e.stage_code})`;
  const scope = e.capture_type === "P" ? `pallet ${e.pallet_barcode ?? "?"}` : "consignment";
  const effect = status ? `delivery stop set to ${status}` : isException(e.stage_code) ? "exception recorded on the delivery stop" : "recorded on the delivery stop";
  return `UPN ${what} for the ${scope} at ${e.occurred_at}${e.note ? ` (“${e.note}”)` : ""}: ${effect}`;
}

interface ConsigneeSignature {
  name: string;
  timestamp: string;
  latitude: number | null;
  longitude: number | null;
}

/** The first consignee signature on a TMS order (`GET /v1/orders/order/{id}`), if complete. */
export function consigneeSignature(order: { consignments?: { signatures?: { type: string; name?: string | null; timestamp?: string | null; position?: { latitude: number; longitude: number } | null }[] | null }[] | null }): ConsigneeSignature | null {
  for (const c of order.consignments ?? []) {
    for (const s of c.signatures ?? []) {
      if (s.type !== "CONSIGNEE" || !s.name || !s.timestamp) continue;
      return { name: s.name, timestamp: s.timestamp, latitude: s.position?.latitude ?? null, longitude: s.position?.longitude ?? null };
    }
  }
  return null;
}

/** UTC ISO without milliseconds: the same signature always gives the same `signed_at`. */
function utcIso(t: string): string {
  const ms = Date.parse(t);
  if (!Number.isFinite(ms)) return t;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function epodBody(sig: ConsigneeSignature, signature: { contentType: string; base64: string }): UpnEpodBody {
  return {
    signed_by: sig.name,
    signed_at: utcIso(sig.timestamp),
    // Coordinates are numbers in the contract: left out, not null, when the TMS has none.
    ...(sig.latitude !== null && sig.longitude !== null ? { latitude: sig.latitude, longitude: sig.longitude } : {}),
    signature: { content_type: signature.contentType, data: signature.base64 },
  };
}
