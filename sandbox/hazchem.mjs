// Hazchem simulator: Bearer + X-Depot auth, idempotent document upload with the network's type,
// size and depot rules (bytes checked against the declared type), and a paged document feed.
import { randomUUID } from "node:crypto";
import { createSimServer, json, bytes } from "./lib/http.mjs";
import { sha256, b64, bearer, sniff, jpegSize } from "./lib/util.mjs";

const ACCEPTED = {
  DELIVERY_IMAGE: ["image/jpeg"],
  COP: ["image/tiff", "application/pdf"],
  POD: ["application/pdf", "image/jpeg", "image/tiff"],
};
const err = (status, error, message) => json(status, { error, message });

export function createHazchemSim({ creds, quiet }) {
  let config, consignments, uploads, idempotency, feed;
  function reset() {
    config = { maxUploadBytes: 1_000_000, pageSize: 2 };
    consignments = new Map();
    uploads = [];
    idempotency = new Map(); // key → the first answer
    feed = [];
  }
  reset();

  function guard(ctx) {
    if (!ctx.path.startsWith("/v1/")) return null;
    if (bearer(ctx.headers.authorization) !== creds.HAZCHEM_API_KEY || ctx.headers["x-depot"] !== creds.HAZCHEM_DEPOT) {
      return err(401, "UNAUTHORIZED", "Invalid API key or X-Depot.");
    }
    return null;
  }

  function upload(ctx) {
    const key = ctx.headers["idempotency-key"];
    if (!key) return err(400, "IDEMPOTENCY_KEY_REQUIRED", "The Idempotency-Key header is required.");
    if (idempotency.has(key)) {
      const first = idempotency.get(key);
      return json(first.status, first.body, { "idempotent-replayed": "true" });
    }
    const answer = decide(ctx);
    // Only final answers are remembered; a transient failure may be retried under the same key.
    if (answer.status < 500 && answer.status !== 429) idempotency.set(key, { status: answer.status, body: JSON.parse(answer.body) });
    return answer;
  }

  function decide(ctx) {
    const number = ctx.params.number;
    const type = ctx.query.type;
    const filename = ctx.query.filename;
    const contentType = (ctx.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    if (ctx.size > config.maxUploadBytes) return err(413, "FILE_TOO_LARGE", `The file is larger than ${config.maxUploadBytes} bytes.`);
    if (!ACCEPTED[type]) return err(400, "INVALID_TYPE", "type must be DELIVERY_IMAGE, COP or POD.");
    if (!filename) return err(400, "FILENAME_REQUIRED", "filename is required.");
    const c = consignments.get(number);
    if (!c) return err(404, "CONSIGNMENT_NOT_FOUND", `No consignment ${number}.`);
    if (!ACCEPTED[type].includes(contentType)) return err(415, "UNSUPPORTED_MEDIA_TYPE", `${type} accepts ${ACCEPTED[type].join(", ")}, not ${contentType || "nothing"}.`);
    const actual = sniff(ctx.body);
    if (actual !== contentType) return err(415, "UNSUPPORTED_MEDIA_TYPE", `The bytes are ${actual ?? "not a known format"}, not ${contentType}.`);
    if (type === "COP" && creds.HAZCHEM_DEPOT !== c.requesting_depot) return err(403, "COP_UPLOAD_NOT_ALLOWED", "Only the requesting/collection depot may upload a COP.");
    const document_id = `hzd-${randomUUID()}`;
    const size = jpegSize(ctx.body);
    uploads.push({
      document_id,
      consignment_number: number,
      type,
      filename,
      content_type: contentType,
      depot: ctx.headers["x-depot"],
      idempotency_key: ctx.headers["idempotency-key"],
      size: ctx.body.length,
      sha256: sha256(ctx.body),
      ...(size ? { width: size.width, height: size.height, progressive: size.progressive } : {}),
      at: new Date().toISOString(),
    });
    return json(201, { document_id });
  }

  function listDocuments(ctx) {
    let start = 0;
    if (ctx.query.since !== undefined) {
      const m = /^d(\d+)$/.exec(ctx.query.since);
      if (!m) return err(400, "INVALID_CURSOR", "The cursor is not valid.");
      start = Number(m[1]);
    }
    const page = feed.slice(start, start + config.pageSize).map(({ data, ...d }) => d);
    const end = start + page.length;
    return json(200, { documents: page, next_cursor: end < feed.length ? `d${end}` : null });
  }

  function content(ctx) {
    const d = feed.find((x) => x.document_id === ctx.params.id);
    if (!d) return err(404, "DOCUMENT_NOT_FOUND", `No document ${ctx.params.id}.`);
    return bytes(200, d.data, d.content_type);
  }

  // ---- control ----
  function seedConsignments(ctx) {
    const b = ctx.json();
    for (const c of Array.isArray(b) ? b : [b]) {
      if (!c?.consignment_number) return err(400, "BAD_SEED", "need consignment_number");
      consignments.set(c.consignment_number, { requesting_depot: creds.HAZCHEM_DEPOT, delivery_depot: "HZ99", ...c });
    }
    return json(200, { count: consignments.size });
  }
  function seedDocuments(ctx) {
    const b = ctx.json();
    const added = (Array.isArray(b) ? b : [b]).map((d) => {
      const data = b64(d.data);
      const doc = {
        document_id: d.document_id ?? `d-${randomUUID().slice(0, 8)}`,
        consignment_number: d.consignment_number,
        tracking_code: d.tracking_code ?? `HZT-${String(d.consignment_number ?? "").replace(/^HZ/, "")}`,
        type: d.type ?? "DELIVERY_IMAGE",
        content_type: d.content_type ?? sniff(data) ?? "application/octet-stream",
        filename: d.filename ?? `${d.consignment_number}_${feed.length + 1}.jpg`,
        size: data.length,
        created_at: d.created_at ?? new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        sha256: sha256(data),
        data,
      };
      feed.push(doc);
      return { document_id: doc.document_id, sha256: doc.sha256 };
    });
    return json(200, added);
  }
  function setConfig(ctx) {
    const b = ctx.json() ?? {};
    for (const k of Object.keys(config)) if (b[k] !== undefined) config[k] = b[k];
    return json(200, config);
  }

  return createSimServer({
    name: "hazchem",
    quiet,
    before: guard,
    routes: [
      ["POST", /^\/v1\/consignments\/(?<number>[^/]+)\/documents$/, upload],
      ["GET", /^\/v1\/documents$/, listDocuments],
      ["GET", /^\/v1\/documents\/(?<id>[^/]+)\/content$/, content],
    ],
    control: [
      ["POST", /^\/__sim\/consignments$/, seedConsignments],
      ["POST", /^\/__sim\/documents$/, seedDocuments],
      ["POST", /^\/__sim\/config$/, setConfig],
    ],
    getState: () => ({
      config,
      consignments: [...consignments.values()],
      uploads,
      feed: feed.map(({ data, ...d }) => d),
    }),
    reset,
  });
}
