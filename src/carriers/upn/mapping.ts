import type { UpnConsignment, UpnEpodBody, UpnParty, UpnTrackingEvent } from "./client";
import { EXCEPTION_STAGES, STAGE_NAMES, STAGE_TO_SCAN_STATUS, STAGE_TO_STOP_STATUS, UPN_BARCODE_SOURCE, UPN_CUSTOMER_CODE, type ScanStatus, type TmsStopStatus } from "./enums";

// Pure translations between UPN's shapes and the TMS's (tms-qargo.md "Orders the connector
// creates", subco-status-update, "Pallet scans"). No I/O, so each is tested on recorded payloads.

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

/**
 * The planner's instructions: UPN's service always on the first line (whatever service levels
 * the tenant has), then UPN's own special instructions.
 */
export function planningInstructions(c: Pick<UpnConsignment, "service" | "instructions">): string {
  const service = c.service?.trim() || "not stated by UPN";
  const rest = c.instructions?.trim();
  return rest ? `UPN service: ${service}\n${rest}` : `UPN service: ${service}`;
}

/** The tenant's service-level code for UPN's service, when UPN_SERVICE_LEVELS maps it. */
export function serviceLevelCode(service: string | null | undefined, levels: Record<string, string>): string | null {
  const key = service?.trim().toUpperCase();
  return key ? (levels[key] ?? null) : null;
}

/** OrderInput for `POST /v1/orders/order/upload`, exactly as tms-qargo.md spells it. */
export function consignmentToOrderInput(c: UpnConsignment, serviceLevels: Record<string, string> = {}) {
  const consignee = c.consignee;
  const code = serviceLevelCode(c.service, serviceLevels);
  return {
    operation: "CREATE" as const,
    order_identifier: orderIdentifier(c.barcode),
    // Exactly the barcode: the TMS matches purchase invoice lines on it.
    customer_reference_number: c.barcode,
    customer: { code: UPN_CUSTOMER_CODE },
    // Only a mapped service travels as a service level: a code the tenant does not have would
    // make Qargo refuse the whole import.
    ...(code ? { service_level: { code } } : {}),
    planning_instructions: planningInstructions(c),
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
export function eventTime(occurredAt: string): string {
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
export function eventToStatusUpdate(e: UpnTrackingEvent, match: OrderMatch, opts: { dataOnly?: boolean } = {}) {
  const order = "orderId" in match ? { id: { matches_any: [match.orderId] } } : { customer_reference_number: { matches_any: [match.customerReference] } };
  // Only the whole consignment moves the stop; a pallet-level event that reaches here is data,
  // and so is one older than the newest already applied (rule 11: a status never goes back).
  const status = e.capture_type === "P" || opts.dataOnly ? null : stopStatusFor(e.stage_code);
  return {
    stop: {
      match: { matches_all: [{ order, stop: { stop_type: "DELIVERY" as const } }] },
      ...(status ? { status } : {}),
      question_answers: questionAnswers(e),
    },
    event_time: eventTime(e.occurred_at),
  };
}

export type StatusUpdate = ReturnType<typeof eventToStatusUpdate>;

/** A pallet-level event with its pallet named: a scan on that handling unit, never a stop move. */
export function isPalletScan(e: UpnTrackingEvent): e is UpnTrackingEvent & { pallet_barcode: string } {
  return e.capture_type === "P" && typeof e.pallet_barcode === "string" && e.pallet_barcode.trim() !== "";
}

export function scanStatusFor(stageCode: string): ScanStatus | null {
  return STAGE_TO_SCAN_STATUS[stageCode] ?? null;
}

export const stageName = (e: Pick<UpnTrackingEvent, "stage" | "stage_code">) => e.stage ?? STAGE_NAMES[e.stage_code] ?? e.stage_code;

/** One scan answer for the tenant's scan question (Qargo's `scan_barcode` action). */
export function scanAnswer(e: UpnTrackingEvent & { pallet_barcode: string }) {
  const status = scanStatusFor(e.stage_code);
  return {
    timestamp: eventTime(e.occurred_at),
    ...(status ? { status } : {}),
    barcode: e.pallet_barcode,
    // Where the scan happened, when UPN says; a guess would put the pallet in the wrong depot.
    ...(e.depot ? { stop_location_code: `UPN-${e.depot}` } : {}),
    description: `UPN ${stageName(e)} (${e.stage_code}), event ${e.event_id}`,
    // Only a delivery belongs to our delivery stop; other scans happen in depots.
    ...(e.stage_code === "DEL" ? { stop_match: { stop_type: "DELIVERY" as const } } : {}),
  };
}

/** One `PartialOrderUpdate` recording the scan on that pallet's handling unit only. */
export function eventToScanUpdate(e: UpnTrackingEvent & { pallet_barcode: string }, match: OrderMatch, question: string) {
  const order = "orderId" in match ? { id: { matches_any: [match.orderId] } } : { customer_reference_number: { matches_any: [match.customerReference] } };
  return {
    match: { matches_all: [{ order }] },
    consignment: {
      updates: [
        {
          good: {
            updates: [
              {
                handling_unit: {
                  updates: [
                    {
                      match: { matches_all: [{ handling_unit: { barcode: { matches_any: [e.pallet_barcode] } } }] },
                      question_answers: { [question]: [scanAnswer(e)] },
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

export type ScanUpdate = ReturnType<typeof eventToScanUpdate>;

/** Events of one order in the order they happened, so a DEL never lands before its ARR. */
export function byOccurrence<T extends { occurred_at: string; event_id: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => Date.parse(a.occurred_at) - Date.parse(b.occurred_at) || a.event_id.localeCompare(b.event_id));
}

/** A plain-words line for the consignment's timeline. */
export function describeEvent(e: UpnTrackingEvent, olderThan?: { eventId: string; occurredAt: string }): string {
  const what = `${stageName(e)} (${e.stage_code})`;
  const note = e.note ? ` (“${e.note}”)` : "";
  if (isPalletScan(e)) {
    const scan = scanStatusFor(e.stage_code);
    const effect = `${scan ? `scan ${scan}` : "scan"} recorded on that pallet's handling unit${isException(e.stage_code) ? " (exception)" : ""}; the delivery stop is not changed`;
    return `UPN ${what} for pallet ${e.pallet_barcode} at ${e.occurred_at}${note}: ${effect}`;
  }
  const status = stopStatusFor(e.stage_code);
  // A pallet-level event without its pallet cannot be a scan: it is data on the stop, nothing more.
  const palletLevel = e.capture_type === "P";
  const scope = palletLevel ? "a pallet (UPN did not say which)" : "the consignment";
  const effect = palletLevel
    ? "recorded on the delivery stop without changing it"
    : status && olderThan
      ? `recorded on the delivery stop as data only: it is older than event ${olderThan.eventId} (${olderThan.occurredAt}) already applied, so the stop keeps its status`
      : status
      ? `delivery stop set to ${status}`
      : isException(e.stage_code)
        ? "exception recorded on the delivery stop"
        : "recorded on the delivery stop";
  return `UPN ${what} for ${scope} at ${e.occurred_at}${note}: ${effect}`;
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
