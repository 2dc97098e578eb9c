// Builders for what Qargo sends the connector on a subcontractor dispatch
// (POST /webhooks/tms/dispatch/{network}): spec-valid `SubcontractorDispatch` payloads for a
// trip with one order and one consignment (as a Palletways booking expects), plus a sender.
// Plain ESM on Web APIs only, so tests inside workerd can import it as well as Node scripts.
import { basicHeader } from "./qargo-webhooks.mjs";

const uuid = () => crypto.randomUUID();
const today = (plusDays = 0) => new Date(Date.now() + plusDays * 86_400_000).toISOString().slice(0, 10);

/** A trip stop (`StopOutput`) with a full UK address unless `location` overrides parts of it. */
export function dispatchStop(stopType, { id = uuid(), date = today(stopType === "DELIVERY" ? 1 : 0), location = {}, ...extra } = {}) {
  const pickup = stopType === "PICKUP";
  return {
    id,
    stop_type: stopType,
    activity_label: pickup ? "Pickup" : "Delivery",
    status: "PLANNED",
    date,
    location: {
      name: pickup ? "Acme Ltd" : "Bob's Builders",
      address: pickup ? "1 Mill Lane" : "9 Quay St",
      address_second_line: null,
      city: pickup ? "Leeds" : "Hull",
      state: null,
      country: "GB",
      postal_code: pickup ? "LS1 1AA" : "HU1 1AA",
      ...location,
    },
    phone_number: pickup ? null : "01482 000000",
    email: null,
    mobile_number: null,
    extras: [],
    custom_fields: {},
    ...extra,
  };
}

/**
 * A `SubcontractorDispatch` for one order with one consignment.
 * goods: [{quantity, total_weight_kg, packaging: "PALLET", units: n}] (units = handling units).
 */
export function palletwaysDispatch({
  operation = "CREATE",
  tripId = uuid(),
  tripName,
  orderId = uuid(),
  orderName = `OR-${Math.floor(Math.random() * 1e6).toString().padStart(6, "0")}`,
  customerReference = null,
  serviceLevel = "ND",
  planningInstructions = "Call 30 minutes before arrival",
  pickup = {},
  delivery = {},
  goods = [{ quantity: 2, total_weight_kg: 959.4, packaging: "PALLET", units: 2 }],
  extraOrders = [],
  extraConsignments = [],
} = {}) {
  const pickupStop = dispatchStop("PICKUP", pickup);
  const deliveryStop = dispatchStop("DELIVERY", delivery);
  const consignment = {
    id: uuid(),
    consignment_reference_number: null,
    planning_instructions: planningInstructions,
    pickup_stop: pickupStop,
    delivery_stop: deliveryStop,
    goods: goods.map((g) => ({
      id: uuid(),
      description: g.description ?? "Palletised goods",
      quantity: g.quantity ?? null,
      total_weight_kg: g.total_weight_kg ?? null,
      packaging_type: g.packaging ? { code: g.packaging, name: g.packaging } : null,
      handling_units: Array.from({ length: g.units ?? 0 }, () => ({ id: uuid(), barcode: null })),
    })),
  };
  return {
    operation,
    payload: {
      id: tripId,
      name: tripName ?? `TR-${orderName}`,
      custom_fields: {},
      resource_allocations: [],
      stops: [pickupStop, deliveryStop],
      orders: [
        {
          id: orderId,
          name: orderName,
          customer_reference_number: customerReference,
          planning_instructions: null,
          service_level: serviceLevel ? { code: serviceLevel, name: serviceLevel } : null,
          custom_fields: {},
          consignments: [consignment, ...extraConsignments],
        },
        ...extraOrders,
      ],
    },
  };
}

/** The same dispatch with another operation (UPDATE, CANCEL), optionally changed by `change`. */
export function redispatch(dispatch, operation, change = (d) => d) {
  return change({ ...structuredClone(dispatch), operation });
}

/** POSTs a dispatch to the connector as Qargo does (Basic credentials); returns status and JSON body. */
export async function sendDispatch({ base, network = "palletways", dispatch, user, password, fetchImpl = fetch }) {
  const res = await fetchImpl(`${base}/webhooks/tms/dispatch/${network}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basicHeader(user, password) },
    body: typeof dispatch === "string" ? dispatch : JSON.stringify(dispatch),
  });
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}
