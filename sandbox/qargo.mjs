// Qargo TMS simulator: OAuth token (5 an hour), bearer API, Basic-auth inbound webhooks, the
// order import flow and its silent discards, pallet scans through partial-order-update, an
// order's document list, and a Qargo-like rate limit over all of /v1/.
import { randomUUID } from "node:crypto";
import { createSimServer, json, bytes, Reply } from "./lib/http.mjs";
import { basicAuth, bearer, sha256, b64, slidingWindow } from "./lib/util.mjs";
import { signWebhook, basicHeader } from "./qargo-webhooks.mjs";
import { createDispatchSim } from "./qargo-dispatch.mjs";

const HOUR = 3600_000;
// scanQuestion: the question path the tenant has configured with the `scan_barcode` action.
const DEFAULT_CONFIG = { ratePerSecond: 2, burst: 3, enforceRateLimit: true, tokensPerHour: 5, tokenTtlSeconds: 3600, scanQuestion: "scan_barcode" };
const SCAN_STATUSES = ["SCANNED_IN", "STORED", "SCANNED_OUT"];
const withOffset = (t) => typeof t === "string" && !Number.isNaN(Date.parse(t)) && /(Z|[+-]\d{2}:?\d{2})$/.test(t);

const validationError = (message, errors) => json(400, { message, errors });
const unauthorized = () => json(401, { detail: "Missing or invalid authentication credentials" });

export function createQargoSim({ creds, quiet }) {
  let s;
  let config;
  let bucket; // token bucket: `burst` capacity, refilled at `ratePerSecond`
  let perSecond; // every /v1/ request, for max_per_second
  // Issued tokens outlive a reset, as they would at Qargo: a connector's cached token stays good.
  const tokens = new Map(); // access_token → expiry ms
  function reset() {
    config = { ...DEFAULT_CONFIG };
    bucket = { tokens: config.burst, at: Date.now() };
    perSecond = slidingWindow(1000);
    s = {
      tokenTimes: [],
      tokens_issued: 0,
      rate_limited: [],
      max_per_second: 0,
      documents: new Map(),
      orders: new Map(),
      uploads: new Map(),
      attachments: [],
      discarded: [],
      orders_created: [],
      status_updates: [],
      scans: [],
      consignment_updates: [],
      emitted: [],
    };
  }
  reset();
  // Subcontractor dispatch: the sender, stop uploads, trip documents (qargo-dispatch.mjs).
  const dispatch = createDispatchSim({ creds, state: () => s });

  function rateLimit(ctx) {
    if (!ctx.path.startsWith("/v1/")) return null;
    const now = Date.now();
    s.max_per_second = Math.max(s.max_per_second, perSecond.add(now));
    bucket.tokens = Math.min(config.burst, bucket.tokens + ((now - bucket.at) / 1000) * config.ratePerSecond);
    bucket.at = now;
    if (bucket.tokens >= 1 || !config.enforceRateLimit) {
      bucket.tokens = Math.max(0, bucket.tokens - 1);
      return null;
    }
    s.rate_limited.push({ method: ctx.method, path: ctx.path, at: new Date(now).toISOString() });
    return json(429, { detail: "Too Many Requests" }, { "retry-after": "1" });
  }

  function requireBearer(ctx) {
    const t = bearer(ctx.headers.authorization);
    const exp = t && tokens.get(t);
    if (!exp || exp < Date.now()) throw new Reply(unauthorized());
  }
  function requireWebhookBasic(ctx) {
    const b = basicAuth(ctx.headers.authorization);
    if (!b || b.user !== creds.TMS_WEBHOOK_CLIENT_ID || b.password !== creds.TMS_WEBHOOK_SECRET) throw new Reply(unauthorized());
  }

  function issueToken(ctx) {
    const b = basicAuth(ctx.headers.authorization);
    if (!b || b.user !== creds.TMS_CLIENT_ID || b.password !== creds.TMS_CLIENT_SECRET) return unauthorized();
    const now = Date.now();
    s.tokenTimes = s.tokenTimes.filter((t) => t > now - HOUR);
    if (s.tokenTimes.length >= config.tokensPerHour) {
      const retry = Math.ceil((s.tokenTimes[0] + HOUR - now) / 1000);
      s.rate_limited.push({ method: ctx.method, path: ctx.path, at: new Date(now).toISOString(), reason: "token limit" });
      return json(429, { detail: `Token limit of ${config.tokensPerHour} an hour reached` }, { "retry-after": String(retry) });
    }
    s.tokenTimes.push(now);
    s.tokens_issued += 1;
    const access_token = `sim-at-${randomUUID()}`;
    tokens.set(access_token, now + config.tokenTtlSeconds * 1000);
    return json(200, { access_token, token_type: "Bearer", expires_in: config.tokenTtlSeconds });
  }

  function download(ctx) {
    requireBearer(ctx);
    const doc = s.documents.get(ctx.params.id);
    if (!doc) return json(404, { detail: "Document not found" });
    const direct = ctx.query.direct === "true";
    doc.downloads.push({ direct, at: new Date().toISOString() });
    if (doc.answer_json_first && !direct) {
      return json(200, { url: `/v1/documents/document/${doc.id}/download?direct=true` });
    }
    if (doc.generated) return generatedDownload(doc, doc.downloads.at(-1));
    return bytes(200, doc.content, doc.mime_type, { "content-disposition": `attachment; filename="${doc.filename}"` });
  }

  // A file of any size made up as it is sent (a PDF header, then filler), never held whole;
  // the download's record says how many bytes went out before the client stopped reading.
  function generatedDownload(doc, record) {
    const { size, declare_length } = doc.generated;
    const headers = { "content-type": doc.mime_type, "content-disposition": `attachment; filename="${doc.filename}"` };
    if (declare_length) headers["content-length"] = String(size);
    record.sent_bytes = 0;
    record.complete = false;
    return {
      status: 200,
      headers,
      stream: (res) =>
        new Promise((resolve) => {
          const filler = Buffer.alloc(64 * 1024, 0x20);
          Buffer.from("%PDF-1.7\n").copy(filler);
          const write = () => {
            while (record.sent_bytes < size) {
              const n = Math.min(filler.length, size - record.sent_bytes);
              record.sent_bytes += n;
              if (!res.write(n === filler.length ? filler : filler.subarray(0, n))) return void res.once("drain", write);
            }
            record.complete = true;
            res.end();
          };
          res.on("close", resolve);
          res.on("error", resolve);
          write();
        }),
    };
  }

  function getOrder(ctx) {
    requireBearer(ctx);
    const o = s.orders.get(ctx.params.id);
    return o ? json(200, o) : json(404, { detail: "Order not found" });
  }

  // GET /v1/orders/order/{order_id}/documents: what the order holds (the spec's Document list),
  // here the documents imported into it; how the connector checks an import with an unclear outcome.
  function orderDocuments(ctx) {
    requireBearer(ctx);
    if (!s.orders.has(ctx.params.id)) return json(404, { detail: "Order not found" });
    const docs = s.attachments
      .filter((a) => a.order_id === ctx.params.id)
      .map((a) => ({ id: a.id, name: a.document_name ?? a.filename, type: a.document_type, download_url: "", subject_type: "ORDER", content_type: a.content_type }));
    return json(200, docs);
  }

  function findOrders(pred) {
    return [...s.orders.values()].filter(pred);
  }

  function documentImport(ctx) {
    requireWebhookBasic(ctx);
    const q = ctx.query;
    if (!q.filename) return json(422, { detail: [{ loc: ["query", "filename"], msg: "Field required", type: "missing" }] });
    const at = new Date().toISOString();
    const record = {
      filename: q.filename,
      document_type: q.document_type ?? null,
      document_name: q.document_name ?? null,
      content_type: ctx.headers["content-type"] ?? null,
      size: ctx.body.length,
      sha256: sha256(ctx.body),
      query: q,
      at,
    };
    const criteria = [];
    if (q.id) criteria.push((o) => o.id === q.id);
    if (q.customer_reference_number) criteria.push((o) => o.customer_reference_number === q.customer_reference_number);
    if (q.name) criteria.push((o) => o.order_name === q.name);
    const hits = criteria.length ? findOrders((o) => criteria.every((c) => c(o))) : [];
    const ok = { errors: null };
    if (!q.document_type) s.discarded.push({ kind: "document-import", reason: "no document_type", ...record });
    else if (hits.length !== 1) s.discarded.push({ kind: "document-import", reason: `${hits.length} orders matched`, ...record });
    else {
      const matched_by = q.id ? "id" : q.customer_reference_number ? "customer_reference_number" : "name";
      s.attachments.push({ id: randomUUID(), order_id: hits[0].id, matched_by, ...record });
    }
    // Qargo answers the same whether or not the document found its order.
    return json(200, ok);
  }

  function validateOrderInput(o) {
    const errors = [];
    if (!o || typeof o !== "object" || Array.isArray(o)) return [{ message: "body must be an OrderInput object", field: null, path: "" }];
    if (!["CREATE", "UPDATE", "DELETE"].includes(o.operation)) errors.push({ message: "must be CREATE, UPDATE or DELETE", field: "operation", path: "operation" });
    if (typeof o.order_identifier !== "string" || !o.order_identifier) errors.push({ message: "required string", field: "order_identifier", path: "order_identifier" });
    if (!o.customer || typeof o.customer !== "object") errors.push({ message: "required Entity", field: "customer", path: "customer" });
    if (!Array.isArray(o.consignments)) errors.push({ message: "required array", field: "consignments", path: "consignments" });
    else {
      o.consignments.forEach((c, i) => {
        for (const k of ["pickup_stop", "delivery_stop"]) {
          if (!c?.[k] || typeof c[k] !== "object") errors.push({ message: "required StopInput", field: k, path: `consignments.${i}.${k}` });
          else if (!c[k].location || typeof c[k].location !== "object") errors.push({ message: "required Location", field: "location", path: `consignments.${i}.${k}.location` });
        }
        if (c?.goods != null && !Array.isArray(c.goods)) errors.push({ message: "must be an array", field: "goods", path: `consignments.${i}.goods` });
      });
    }
    if (o.custom_fields != null && typeof o.custom_fields !== "object") errors.push({ message: "must be an object", field: "custom_fields", path: "custom_fields" });
    return errors;
  }

  function orderFromInput(id, input) {
    return {
      id,
      order_identifier: input.order_identifier,
      order_name: `OR-${String(s.orders.size + 1).padStart(5, "0")}`,
      customer_reference_number: input.customer_reference_number ?? null,
      planning_instructions: input.planning_instructions ?? null,
      service_level: input.service_level ?? null,
      custom_fields: input.custom_fields ?? null,
      customer: input.customer,
      consignments: input.consignments.map((c) => ({ id: randomUUID(), ...c, signatures: [] })),
      created_timestamp: new Date().toISOString(),
    };
  }

  function uploadOrder(ctx) {
    requireBearer(ctx);
    const input = ctx.json();
    const errors = validateOrderInput(input);
    if (errors.length) return validationError("Invalid OrderInput", errors);
    const upload_id = randomUUID();
    const existing = findOrders((o) => o.order_identifier === input.order_identifier)[0];
    const upload = { upload_id, order_identifier: input.order_identifier, polls: 0, order_id: existing?.id ?? randomUUID(), duplicate: Boolean(existing) };
    s.uploads.set(upload_id, upload);
    if (!existing) {
      // Qargo processes the import in the background: the order exists before anyone polls.
      s.orders.set(upload.order_id, orderFromInput(upload.order_id, input));
      s.orders_created.push({ order_id: upload.order_id, upload_id, order_identifier: input.order_identifier, input, at: new Date().toISOString() });
    }
    return json(200, importView(upload, "TODO", null));
  }

  function importView(u, status, orderId) {
    return { upload_id: u.upload_id, upload_status: status, upload_url: `/v1/orders/order/upload/${u.upload_id}`, order_id: orderId, order_url: orderId ? `/v1/orders/order/${orderId}` : null };
  }

  function uploadStatus(ctx) {
    requireBearer(ctx);
    const u = s.uploads.get(ctx.params.id);
    if (!u) return json(404, { detail: "Upload not found" });
    u.polls += 1;
    if (u.polls === 1) return json(200, importView(u, "IN_PROGRESS", null));
    return json(200, importView(u, u.duplicate ? "DUPLICATE" : "COMPLETED", u.order_id));
  }

  function matchStop(stopPart) {
    if (stopPart?.id) {
      const hits = findOrders((o) => (o.stops ?? []).some((st) => st.id === stopPart.id));
      return { hits, matched_by: "stop.id" };
    }
    const all = stopPart?.match?.matches_all;
    if (!Array.isArray(all) || !all.length) return { hits: [], matched_by: null };
    const used = new Set();
    const preds = [];
    for (const crit of all) {
      const anyOf = (field) => field?.matches_any ?? [];
      if (crit.order?.id) preds.push((o) => anyOf(crit.order.id).includes(o.id)), used.add("order.id");
      if (crit.order?.customer_reference_number) preds.push((o) => anyOf(crit.order.customer_reference_number).includes(o.customer_reference_number)), used.add("order.customer_reference_number");
      if (crit.order?.name) preds.push((o) => anyOf(crit.order.name).includes(o.order_name)), used.add("order.name");
      if (crit.consignment?.reference_number) preds.push((o) => (o.consignments ?? []).some((c) => anyOf(crit.consignment.reference_number).includes(c.consignment_reference_number))), used.add("consignment.reference_number");
      if (crit.trip) preds.push(() => false), used.add("trip"); // the simulator knows no trips
      if (crit.stop?.stop_type) {
        const t = crit.stop.stop_type;
        preds.push((o) => !o.stops || o.stops.some((st) => st.stop_type === t) || (t === "DELIVERY" && o.consignments?.some((c) => c.delivery_stop)) || (t === "PICKUP" && o.consignments?.some((c) => c.pickup_stop)));
        used.add("stop.stop_type");
      }
    }
    const orderKeys = [...used].filter((k) => k !== "stop.stop_type");
    const hits = orderKeys.length ? findOrders((o) => preds.every((p) => p(o))) : [];
    return { hits, matched_by: [...used].join("+") };
  }

  function statusUpdate(ctx) {
    requireWebhookBasic(ctx);
    const body = ctx.json();
    if (!body || !Array.isArray(body.updates)) return validationError("Invalid payload", [{ message: "required array", field: "updates", path: "updates" }]);
    const errors = [];
    body.updates.forEach((u, i) => {
      if (!u?.stop || typeof u.stop !== "object") errors.push({ message: "required", field: "stop", path: `updates.${i}.stop` });
      if (typeof u?.event_time !== "string" || Number.isNaN(Date.parse(u.event_time)) || !/(Z|[+-]\d{2}:?\d{2})$/.test(u.event_time)) errors.push({ message: "date-time with a timezone offset required", field: "event_time", path: `updates.${i}.event_time` });
      if (u?.stop?.status != null && !["AT_STOP", "COMPLETED"].includes(u.stop.status)) errors.push({ message: "must be AT_STOP or COMPLETED", field: "status", path: `updates.${i}.stop.status` });
    });
    if (errors.length) return validationError("Invalid payload", errors);
    const at = new Date().toISOString();
    for (const u of body.updates) {
      const { hits, matched_by } = matchStop(u.stop);
      const rec = { status: u.stop.status ?? null, event_time: u.event_time, question_answers: u.stop.question_answers ?? null, update: u, body, at };
      if (hits.length === 1) s.status_updates.push({ order_id: hits[0].id, matched_by, ...rec });
      else s.discarded.push({ kind: "subco-status-update", reason: `${hits.length} orders matched`, matched_by, ...rec });
    }
    return json(200, {});
  }

  function orderMatch(match) {
    const all = match?.matches_all;
    if (!Array.isArray(all) || !all.length) return { hits: [], matched_by: null };
    const used = new Set();
    const preds = [];
    const anyOf = (field) => field?.matches_any ?? [];
    for (const crit of all) {
      if (crit.order?.id) preds.push((o) => anyOf(crit.order.id).includes(o.id)), used.add("order.id");
      if (crit.order?.customer_reference_number) preds.push((o) => anyOf(crit.order.customer_reference_number).includes(o.customer_reference_number)), used.add("order.customer_reference_number");
      if (crit.order?.name) preds.push((o) => anyOf(crit.order.name).includes(o.order_name)), used.add("order.name");
    }
    return { hits: preds.length ? findOrders((o) => preds.every((p) => p(o))) : [], matched_by: [...used].join("+") };
  }

  const huBarcode = (hu) => (typeof hu?.barcode === "string" ? hu.barcode : hu?.barcode?.value);

  /** Handling-unit updates inside a PartialOrderUpdate, with where they sit (for error paths). */
  function handlingUnitUpdates(u, i) {
    const out = [];
    (u?.consignment?.updates ?? []).forEach((c, ci) =>
      (c?.good?.updates ?? []).forEach((g, gi) =>
        (g?.handling_unit?.updates ?? []).forEach((h, hi) => out.push({ h, path: `updates.${i}.consignment.updates.${ci}.good.updates.${gi}.handling_unit.updates.${hi}` })),
      ),
    );
    return out;
  }

  function partialOrderUpdate(ctx) {
    requireWebhookBasic(ctx);
    const body = ctx.json();
    if (!body || !Array.isArray(body.updates)) return validationError("Invalid payload", [{ message: "required array", field: "updates", path: "updates" }]);
    const errors = [];
    body.updates.forEach((u, i) => {
      if (!Array.isArray(u?.match?.matches_all) && !u?.id) errors.push({ message: "match.matches_all (or id) required", field: "match", path: `updates.${i}.match` });
      for (const { h, path } of handlingUnitUpdates(u, i)) {
        const codes = h?.match?.matches_all?.flatMap((m) => m?.handling_unit?.barcode?.matches_any ?? []) ?? [];
        if (!codes.length && !h?.match?.matches_all?.some((m) => m?.handling_unit?.id)) errors.push({ message: "a handling unit match is required", field: "match", path: `${path}.match` });
        const qa = h?.question_answers ?? {};
        if (typeof qa !== "object" || Array.isArray(qa)) errors.push({ message: "must be an object", field: "question_answers", path: `${path}.question_answers` });
        const scans = qa[config.scanQuestion];
        if (scans === undefined) continue;
        if (!Array.isArray(scans)) {
          errors.push({ message: "scan answers must be an array", field: config.scanQuestion, path: `${path}.question_answers.${config.scanQuestion}` });
          continue;
        }
        scans.forEach((a, k) => {
          const at = `${path}.question_answers.${config.scanQuestion}.${k}`;
          if (!withOffset(a?.timestamp)) errors.push({ message: "date-time with a timezone offset required", field: "timestamp", path: `${at}.timestamp` });
          if (a?.status != null && !SCAN_STATUSES.includes(a.status)) errors.push({ message: `must be one of ${SCAN_STATUSES.join(", ")}`, field: "status", path: `${at}.status` });
        });
      }
    });
    if (errors.length) return validationError("Invalid payload", errors);
    const at = new Date().toISOString();
    body.updates.forEach((u, i) => {
      const { hits, matched_by } = u.match ? orderMatch(u.match) : { hits: findOrders((o) => o.id === u.id), matched_by: "id" };
      if (hits.length !== 1) {
        s.discarded.push({ kind: "partial-order-update", reason: `${hits.length} orders matched`, matched_by, update: u, at });
        return;
      }
      const order = hits[0];
      dispatch.recordOrderUpdate(order, u, at);
      // Consignment entity updates (e.g. `palletways: {tracking_id, consignment_number}`): merged
      // into the order's consignment when exactly one matches (the only one, without a match).
      for (const cu of u?.consignment?.updates ?? []) {
        if (cu?.update?.operation !== "UPDATE" || !cu.update.data) continue;
        const refs = cu.match?.matches_all?.flatMap((m) => m?.consignment?.reference_number?.matches_any ?? []) ?? [];
        const targets = (order.consignments ?? []).filter((c) => !refs.length || refs.includes(c.consignment_reference_number));
        if (targets.length !== 1) {
          s.discarded.push({ kind: "partial-order-update", reason: `${targets.length} consignments matched`, matched_by, order_id: order.id, update: cu, at });
          continue;
        }
        Object.assign(targets[0], cu.update.data);
        s.consignment_updates.push({ order_id: order.id, matched_by, consignment_id: targets[0].id, data: cu.update.data, at });
      }
      if (u?.update?.operation === "UPDATE" && u.update.data?.custom_fields) order.custom_fields = { ...(order.custom_fields ?? {}), ...u.update.data.custom_fields };
      const units = (order.consignments ?? []).flatMap((c) => (c.goods ?? []).flatMap((g) => g.handling_units ?? []));
      for (const { h } of handlingUnitUpdates(u, i)) {
        const codes = h.match.matches_all.flatMap((m) => m?.handling_unit?.barcode?.matches_any ?? []);
        const matched = units.filter((hu) => codes.includes(huBarcode(hu)));
        if (matched.length !== 1) {
          s.discarded.push({ kind: "partial-order-update", reason: `${matched.length} handling units matched`, matched_by, order_id: order.id, handling_unit: codes[0] ?? null, update: h, at });
          continue;
        }
        const hu = matched[0];
        for (const [question, answer] of Object.entries(h.question_answers ?? {})) {
          if (question !== config.scanQuestion) {
            // Qargo ignores answers to a question path the integration does not configure.
            s.discarded.push({ kind: "partial-order-update", reason: `question path ${question} is not configured`, matched_by, order_id: order.id, handling_unit: huBarcode(hu), update: h, at });
            continue;
          }
          for (const scan of answer) {
            hu.scans = [...(hu.scans ?? []), scan];
            s.scans.push({ order_id: order.id, matched_by, handling_unit: huBarcode(hu), question, status: scan.status ?? null, timestamp: scan.timestamp, description: scan.description ?? null, stop_location_code: scan.stop_location_code ?? null, stop_match: scan.stop_match ?? null, scan, at });
          }
        }
      }
    });
    return json(200, { errors: null });
  }

  function orderDocuments(ctx) {
    requireBearer(ctx);
    const o = s.orders.get(ctx.params.id);
    if (!o) return json(404, { detail: "Order not found" });
    const seeded = [...s.documents.values()]
      .filter((d) => d.order_id === o.id)
      .map((d) => ({ id: d.id, name: d.name, type: d.type, download_url: `/v1/documents/document/${d.id}/download`, subject_type: d.subject_type, content_type: d.mime_type }));
    const attached = s.attachments
      .filter((a) => a.order_id === o.id)
      .map((a) => ({ id: a.id, name: a.document_name ?? a.filename, type: a.document_type, download_url: "", subject_type: "ORDER", content_type: a.content_type }));
    return json(200, [...seeded, ...attached]);
  }

  // ---- control ----
  function seedDocuments(ctx) {
    const b = ctx.json();
    const list = Array.isArray(b) ? b : [b];
    const out = list.map((d) => {
      const generated = d?.generated && Number.isInteger(d.generated.size) ? { size: d.generated.size, declare_length: Boolean(d.generated.declare_length) } : null;
      if (!d || (typeof d.content !== "string" && !generated)) {
        throw new Reply(json(400, { error: "BAD_SEED", message: "need {content: base64, mime_type, filename} or {generated: {size, declare_length?}}" }));
      }
      const id = d.id ?? randomUUID();
      const content = generated ? Buffer.alloc(0) : b64(d.content);
      const filename = d.filename ?? `${id}.bin`;
      // order_id/type/name: the document belongs to that order (GET /v1/orders/order/{id}/documents).
      s.documents.set(id, { id, content, generated, mime_type: d.mime_type ?? "application/octet-stream", filename, answer_json_first: Boolean(d.answer_json_first), sha256: generated ? null : sha256(content), downloads: [], order_id: d.order_id ?? null, type: d.type ?? "OTHER", name: d.name ?? filename, subject_type: d.subject_type ?? "CONSIGNMENT" });
      return { id, download_url: `/v1/documents/document/${id}/download` };
    });
    return json(200, Array.isArray(b) ? out : out[0]);
  }

  function seedOrders(ctx) {
    const b = ctx.json();
    const list = Array.isArray(b) ? b : [b];
    const out = list.map((o) => {
      if (!o || typeof o !== "object") throw new Reply(json(400, { error: "BAD_SEED", message: "need an order object" }));
      const id = o.id ?? randomUUID();
      s.orders.set(id, { customer: { name: "Sim Customer Ltd" }, consignments: [], ...o, id });
      return { id };
    });
    return json(200, Array.isArray(b) ? out : out[0]);
  }

  function setConfig(ctx) {
    const b = ctx.json() ?? {};
    for (const k of Object.keys(DEFAULT_CONFIG)) if (b[k] !== undefined) config[k] = b[k];
    bucket = { tokens: config.burst, at: Date.now() };
    return json(200, config);
  }

  async function emit(ctx) {
    const { target, body, signing_secret, webhook_id, timestamp, basic } = ctx.json() ?? {};
    if (!target || body === undefined) return json(400, { error: "BAD_EMIT", message: "need {target, body}" });
    const raw = typeof body === "string" ? body : JSON.stringify(body);
    const parsed = typeof body === "string" ? safeParse(body) : body;
    // The TMS knows every order it sends webhooks about.
    if (parsed?.order?.id && !s.orders.has(parsed.order.id)) s.orders.set(parsed.order.id, { customer: parsed.order.customer ?? { name: "Sim Customer Ltd" }, consignments: [], ...parsed.order });
    const headers = { "content-type": "application/json" };
    const user = basic?.user ?? creds.INBOUND_BASIC_USER;
    const password = basic?.password ?? creds.INBOUND_BASIC_PASSWORD;
    if (basic !== null) headers.authorization = basicHeader(user, password);
    if (signing_secret) Object.assign(headers, await signWebhook({ secret: signing_secret, body: raw, id: webhook_id, timestamp }));
    let result;
    try {
      const res = await fetch(target, { method: "POST", headers, body: raw });
      result = { status: res.status, body: await res.text() };
    } catch (err) {
      result = { status: 0, error: String(err?.message ?? err) };
    }
    s.emitted.push({ target, webhook_id: headers["webhook-id"] ?? null, ...result, at: new Date().toISOString() });
    return json(200, result);
  }

  const sim = createSimServer({
    name: "qargo",
    quiet,
    before: rateLimit,
    routes: [
      ["POST", /^\/v1\/auth\/token$/, issueToken],
      ["GET", /^\/v1\/documents\/document\/(?<id>[^/]+)\/download$/, download],
      ["POST", /^\/v1\/orders\/order\/upload$/, uploadOrder],
      ["GET", /^\/v1\/orders\/order\/upload\/(?<id>[^/]+)$/, uploadStatus],
      ["GET", /^\/v1\/orders\/order\/(?<id>[^/]+)\/documents$/, orderDocuments],
      ["GET", /^\/v1\/orders\/order\/(?<id>[^/]+)$/, getOrder],
      ["GET", /^\/v1\/orders\/order\/(?<id>[^/]+)\/documents$/, orderDocuments],
      ["POST", /^\/v1\/webhook\/document-import$/, documentImport],
      ["POST", /^\/v1\/webhook\/subco-status-update$/, statusUpdate],
      ["POST", /^\/v1\/webhook\/partial-order-update$/, partialOrderUpdate],
      ...dispatch.routes,
    ],
    control: [
      ["POST", /^\/__sim\/documents$/, seedDocuments],
      ["POST", /^\/__sim\/orders$/, seedOrders],
      ["POST", /^\/__sim\/config$/, setConfig],
      ["POST", /^\/__sim\/emit$/, emit],
      ...dispatch.control,
    ],
    getState: () => ({
      config,
      tokens_issued: s.tokens_issued,
      rate_limited: s.rate_limited,
      max_per_second: s.max_per_second,
      documents: [...s.documents.values()].map(({ content, ...d }) => ({ ...d, size: d.generated?.size ?? content.length })),
      orders: [...s.orders.values()],
      uploads: [...s.uploads.values()],
      attachments: s.attachments,
      discarded: s.discarded,
      orders_created: s.orders_created,
      status_updates: s.status_updates,
      scans: s.scans,
      consignment_updates: s.consignment_updates,
      emitted: s.emitted,
      ...dispatch.state(),
    }),
    reset() {
      reset();
      dispatch.reset();
    },
  });
  return sim;
}

function safeParse(t) {
  try {
    return JSON.parse(t);
  } catch {
    return null;
  }
}
