// The Qargo simulator's side of subcontractor dispatch (tms-qargo.md): sending a dispatch to
// the connector as a planner's "complete dispatch task" does (the trip and its stops become
// known, so later updates by stop id land), files put on a trip's stops through
// subco-document-upload, the trip's document list (the check after an unclear outcome), and
// order-level partial updates (the booking's tracking ID and custom fields).
import { randomUUID } from "node:crypto";
import { json, Reply } from "./lib/http.mjs";
import { basicAuth, sha256 } from "./lib/util.mjs";
import { basicHeader } from "./qargo-webhooks.mjs";

export function createDispatchSim({ creds, state: getState }) {
  let trips, stopFiles, dispatches, orderUpdates;
  function reset() {
    trips = new Map(); // trip id → {id, name, stops, orders}
    stopFiles = []; // {id, trip_id, stop_id, question_path_key, filename, name, content_type, size, sha256, at}
    dispatches = []; // what was sent and what the connector answered
    orderUpdates = []; // {order_id, custom_fields, consignment, at}
  }
  reset();

  function requireWebhookBasic(ctx) {
    const b = basicAuth(ctx.headers.authorization);
    if (!b || b.user !== creds.TMS_WEBHOOK_CLIENT_ID || b.password !== creds.TMS_WEBHOOK_SECRET) throw new Reply(json(401, { detail: "Missing or invalid authentication credentials" }));
  }

  /** The trip's stops become the order's, so subco-status-update by stop id finds its order. */
  function remember(dispatch) {
    const p = dispatch?.payload;
    if (!p?.id) return;
    trips.set(p.id, { id: p.id, name: p.name, stops: p.stops ?? [], orders: (p.orders ?? []).map((o) => o.id) });
    const s = getState();
    for (const o of p.orders ?? []) {
      const stops = (o.consignments ?? []).flatMap((c) => [c.pickup_stop, c.delivery_stop].filter(Boolean)).map((st) => ({ ...st }));
      const known = s.orders.get(o.id);
      if (known) known.stops = stops;
      else s.orders.set(o.id, { id: o.id, order_name: o.name, customer_reference_number: o.customer_reference_number ?? null, customer: { name: "Sim Customer Ltd" }, custom_fields: o.custom_fields ?? {}, consignments: (o.consignments ?? []).map((c) => ({ ...c, signatures: [] })), stops });
    }
  }

  /** Control: {target, body, basic?}: Qargo posts the dispatch to the connector's endpoint. */
  async function sendDispatch(ctx) {
    const { target, body, basic } = ctx.json() ?? {};
    if (!target || !body) return json(400, { error: "BAD_DISPATCH", message: "need {target, body}" });
    remember(body);
    const headers = { "content-type": "application/json", authorization: basicHeader(basic?.user ?? creds.INBOUND_BASIC_USER, basic?.password ?? creds.INBOUND_BASIC_PASSWORD) };
    let result;
    try {
      const res = await fetch(target, { method: "POST", headers, body: JSON.stringify(body) });
      const text = await res.text();
      let answer = text;
      try {
        answer = JSON.parse(text);
      } catch {}
      result = { status: res.status, body: answer };
    } catch (err) {
      result = { status: 0, error: String(err?.message ?? err) };
    }
    dispatches.push({ target, operation: body.operation, trip_id: body.payload?.id ?? null, order_ids: (body.payload?.orders ?? []).map((o) => o.id), ...result, at: new Date().toISOString() });
    return json(200, result);
  }

  /** Control: {dispatch}: remember a trip without sending it (tests that post it themselves). */
  function registerTrip(ctx) {
    remember(ctx.json()?.dispatch);
    return json(200, { ok: true });
  }

  // POST /v1/webhook/subco-document-upload?question_path_key=…&stop_id=…
  function stopUpload(ctx) {
    requireWebhookBasic(ctx);
    const { question_path_key: key, stop_id: stopId } = ctx.query;
    if (!key || !stopId) return json(422, { detail: [{ loc: ["query", !key ? "question_path_key" : "stop_id"], msg: "Field required", type: "missing" }] });
    const trip = [...trips.values()].find((t) => t.stops.some((st) => st.id === stopId) || t.orders.some((oid) => getState().orders.get(oid)?.stops?.some((st) => st.id === stopId)));
    if (!trip) return json(404, { detail: "Stop not found" });
    const given = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(ctx.headers["content-disposition"] ?? "")?.[1] ?? null;
    // As Qargo: the given name combined with the question path's default name.
    const name = given ? `${given.replace(/\.[a-z0-9]+$/i, "")}_${key}${/\.[a-z0-9]+$/i.exec(given)?.[0] ?? ""}` : `${key}.pdf`;
    const file = { id: randomUUID(), trip_id: trip.id, stop_id: stopId, question_path_key: key, filename: given, name, content_type: ctx.headers["content-type"] ?? null, size: ctx.body.length, sha256: sha256(ctx.body), pages: pdfPages(ctx.body), at: new Date().toISOString() };
    stopFiles.push(file);
    return json(200, {});
  }

  // GET /v1/trips/trip/{id}/documents
  function tripDocuments(ctx) {
    const t = trips.get(ctx.params.id);
    if (!t) return json(404, { detail: "Trip not found" });
    return json(200, stopFiles.filter((f) => f.trip_id === t.id).map((f) => ({ id: f.id, name: f.name, type: f.question_path_key, content_type: f.content_type, subject_type: "STOP", subject_id: f.stop_id })));
  }

  /**
   * Called from partial-order-update for each matched update: records the order-level data it
   * sets (the order itself is updated by partial-order-update), for a booking's checks.
   */
  function recordOrderUpdate(order, u, at) {
    const custom = u?.update?.data?.custom_fields;
    const consignmentData = (u?.consignment?.updates ?? []).map((c) => c?.update?.data).filter(Boolean);
    if (!custom && !consignmentData.length) return;
    orderUpdates.push({ order_id: order.id, custom_fields: custom ?? null, consignment: consignmentData, at });
  }

  return {
    routes: [
      ["POST", /^\/v1\/webhook\/subco-document-upload$/, stopUpload],
      ["GET", /^\/v1\/trips\/trip\/(?<id>[^/]+)\/documents$/, tripDocuments],
    ],
    control: [
      ["POST", /^\/__sim\/dispatch$/, sendDispatch],
      ["POST", /^\/__sim\/trips$/, registerTrip],
    ],
    recordOrderUpdate,
    state: () => ({ trips: [...trips.values()], stop_files: stopFiles, dispatches, order_updates: orderUpdates }),
    reset,
  };
}

/** Pages in a PDF (each `/Type /Page` object), so tests can check labels are one page per pallet. */
function pdfPages(buf) {
  if (buf.subarray(0, 5).toString("latin1") !== "%PDF-") return null;
  return (buf.toString("latin1").match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
}
