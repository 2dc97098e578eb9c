// Builders for what Qargo sends the connector (POST /webhooks/tms): spec-valid
// OperationalVisibilityUpdate payloads, plus Standard Webhooks signing. Plain ESM on Web APIs
// only, so tests inside workerd can import it as well as the Node simulator.

const uuid = () => crypto.randomUUID();
const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

function toBase64(content) {
  if (typeof content === "string") return content; // already base64
  const u8 = content instanceof Uint8Array ? content : new Uint8Array(content);
  let s = "";
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(s) {
  const bin = atob(s);
  const u8 = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
  return u8;
}

const EXT_MIME = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", tif: "image/tiff", tiff: "image/tiff", pdf: "application/pdf" };
export function mimeFromName(name) {
  const ext = /\.([a-z0-9]+)$/i.exec(name ?? "")?.[1]?.toLowerCase();
  return EXT_MIME[ext] ?? "application/octet-stream";
}

function stop(stopType, name, extra = {}) {
  return {
    id: uuid(),
    location: { name, address: stopType === "PICKUP" ? "1 Mill Lane" : "9 Quay St", city: stopType === "PICKUP" ? "Leeds" : "Hull", country_code: "GB", postal_code: stopType === "PICKUP" ? "LS1 1AA" : "HU1 1AA" },
    status: "PLANNED",
    stop_type: stopType,
    ...extra,
  };
}

/**
 * A VisibilityOrder for a pallet-network consignment.
 * network: PALLETWAYS | UPN | HAZCHEM; role: COLLECTING | DELIVERING.
 */
export function palletOrder({ id = uuid(), reference, network, role = "DELIVERING", customerReference = reference, orderName, status = "PLANNED" } = {}) {
  return {
    id,
    order_name: orderName ?? `OR-${String(reference ?? id).slice(-6)}`,
    customer_reference_number: customerReference ?? null,
    customer: { name: "Sim Customer Ltd" },
    status,
    custom_fields: { pallet_network: network, network_reference: reference, network_role: role },
    stops: [stop("PICKUP", "Acme Ltd"), stop("DELIVERY", "Bob's Builders")],
  };
}

/** StopUpdate: the order's delivery stop completed at `at`. */
export function stopCompleted({ order, at = nowIso() }) {
  const stops = order.stops.map((s) => (s.stop_type === "DELIVERY" ? { ...s, status: "COMPLETED", actual_start_timestamp: s.actual_start_timestamp ?? at, actual_end_timestamp: at } : s));
  const delivery = stops.find((s) => s.stop_type === "DELIVERY");
  if (!delivery) throw new Error("order has no DELIVERY stop");
  return {
    events: [{ timestamp: at, update: { id: delivery.id, type: "Stop", stop: delivery } }],
    order: { ...order, stops },
    trip: null,
  };
}

/**
 * DocumentUpdate CREATED. Give `content` (bytes or base64) for an embedded document, or
 * `downloadUrl` for a remote one (relative to TMS_API_URL, e.g. /v1/documents/document/{id}/download).
 */
export function documentCreated({ order, documentType, name, content, mimeType, downloadUrl, id = uuid(), at = nowIso() }) {
  if (content == null && !downloadUrl) throw new Error("documentCreated needs content or downloadUrl");
  const document_content = content != null
    ? { content: toBase64(content), mime_type: mimeType ?? mimeFromName(name), filename: name }
    : { download_url: downloadUrl };
  const subject = order.customer_reference_number ? { customer_reference_number: order.customer_reference_number } : { reference_number: order.order_name };
  return {
    events: [{ timestamp: at, update: { id, type: "Document", status: "CREATED", document: { name, document_type: documentType, document_content, subject } } }],
    order,
    trip: null,
  };
}

/**
 * Standard Webhooks headers for `body` (the exact string sent). `secret` is `whsec_<base64>`;
 * the signature is `v1,<base64 HMAC-SHA256("id.timestamp.body")>`.
 */
export async function signWebhook({ secret, body, id = `msg_${uuid()}`, timestamp = Math.floor(Date.now() / 1000) }) {
  const key = fromBase64(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", cryptoKey, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": `v1,${toBase64(new Uint8Array(mac))}` };
}

export function basicHeader(user, password) {
  return `Basic ${btoa(`${user}:${password}`)}`;
}
