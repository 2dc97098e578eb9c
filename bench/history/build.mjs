// Fills a migrated local D1 file (Miniflare's SQLite) with the history of a busy depot, straight
// through SQLite (node:sqlite, one transaction a day, prepared inserts): the project's own
// schema, rows shaped like the ones the connector writes, none of them through the HTTP path.
//
// Per consignment, by network (Palletways 45 %, UPN 35 %, Hazchem 20 %): its row, three
// webhook records, its jobs (a tail of failures and retries with their attempts), timeline lines,
// documents both ways; Palletways catch-up windows, PDF fetches and FTP sequences; UPN tracking
// events, reads and imports; Hazchem feed documents; and per day alerts, console sessions and
// a few locks. Seeded, so two builds are the same history.
import { DatabaseSync } from "node:sqlite";

const DAY_MS = 86_400_000;

/** mulberry32: fast and seeded; ids and spreads only need to look random. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildHistory(file, { days = 90, perDay = 2000, now = Date.now(), seed = 20, extraDays = 1, serialStart = 0, progress = () => {} } = {}) {
  const rand = prng(seed);
  const hex = (n) => {
    let s = "";
    while (s.length < n) s += ((rand() * 0x100000000) >>> 0).toString(16).padStart(8, "0");
    return s.slice(0, n);
  };
  const uuid = () => { const h = hex(32); return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`; };
  const pick = (list) => list[Math.floor(rand() * list.length)];

  const db = new DatabaseSync(file);
  db.exec("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;");
  const ins = (table, cols) => {
    const st = db.prepare(`INSERT INTO ${table} (${cols.join(",")}) VALUES (${cols.map(() => "?").join(",")})`);
    return (...v) => st.run(...v);
  };
  const consignment = ins("consignments", ["network", "reference", "order_id", "customer_reference", "order_name", "role", "created_at", "updated_at"]);
  const webhook = ins("inbound_webhooks", ["id", "body_sha256", "event_count", "received_at"]);
  const job = ins("jobs", ["id", "kind", "network", "reference", "payload", "dedupe_key", "status", "attempts", "max_attempts", "last_error", "next_run_at", "waiting_since", "created_at", "updated_at"]);
  const attempt = ins("attempts", ["job_id", "started_at", "ms", "outcome", "error"]);
  const line = ins("timeline", ["network", "reference", "at", "kind", "step", "outcome", "message", "detail", "job_id"]);
  const doc = ins("documents", ["id", "network", "reference", "direction", "sha256", "file_sha256", "document_type", "filename", "content_type", "size", "r2_key", "source_ref", "destination", "status", "seq", "created_at", "updated_at"]);
  const window = ins("palletways_windows", ["tracking_id", "completed_at", "opened_at", "closes_at", "fetches", "status"]);
  const fetchRow = ins("palletways_fetches", ["tracking_id", "fetched_at", "r2_key", "source", "pages", "new_photos", "outcome"]);
  const ftpSeq = ins("ftp_sequences", ["tracking_id", "last_n"]);
  const upnEvent = ins("upn_events", ["event_id", "batch_id", "barcode", "stage_code", "occurred_at", "body", "status", "job_id", "applied_at", "error"]);
  const upnBatch = ins("upn_tracking_batches", ["id", "r2_key", "received_at", "event_count", "status", "processed_at", "error"]);
  const upnImport = ins("upn_imports", ["barcode", "body", "upload_id", "order_id", "status", "polls", "error", "created_at", "updated_at"]);
  const upnEpod = ins("upn_epods", ["barcode", "status", "signed_by", "signed_at", "signature_sha256", "sent_at", "error"]);
  const hazFeed = ins("hazchem_feed_documents", ["document_id", "consignment_number", "type", "filename", "content_type", "status", "tracking_code", "size", "source_created_at", "sha256", "matched_by", "order_id", "created_at", "updated_at"]);
  const outbox = ins("alert_outbox", ["id", "key", "text", "status", "attempts", "next_at", "last_error", "created_at", "updated_at"]);
  const alertLimit = ins("alert_limits", ["key", "sent_at"]);
  const session = ins("console_sessions", ["id_hash", "token_digest", "created_at", "expires_at"]);
  const lock = ins("auth_locks", ["route", "client", "failures", "locked_at", "until"]);
  const seen = ins("attention_seen", ["id", "seen_at"]);

  let serial = serialStart;
  const counts = { consignments: 0 };
  /** One job with its attempts (a tail of retries and failures) and its timeline line. */
  const addJob = (network, reference, kind, at, payload, step, message, detail) => {
    const id = uuid();
    const r = rand();
    // 96.5 % done first time, 2.5 % done after retries, 0.5 % skipped, 0.5 % failed for good;
    // a depot's operator replays failures (the console, the alerts): those older than a week
    // were replayed and finished (their ninth attempt), the last week's still stand.
    const failedForGood = r < 0.005;
    const status = failedForGood ? (day > 7 ? "done" : "failed") : r < 0.01 ? "skipped" : "done";
    const tries = failedForGood ? (status === "failed" ? 8 : 9) : r < 0.035 ? 2 + Math.floor(rand() * 3) : 1;
    const lastError = tries > 1 ? pick(["HTTP_503: Qargo answered 503 Service Unavailable", "ECONNRESET: the connection was reset", "TIMEOUT: no answer within 30 s"]) : null;
    let t = at;
    for (let k = 1; k <= tries; k++) {
      const ok = k === tries && status !== "failed";
      attempt(id, t, 50 + Math.floor(rand() * 900), ok ? (status === "skipped" ? "skipped" : "ok") : "error", ok ? null : lastError ?? "HTTP_500");
      if (!ok) line(network, reference, t, "error", step, "error", `${message}: failed (${lastError}); retried`, null, id);
      t += 10_000 * k;
    }
    job(id, kind, network, reference, JSON.stringify(payload), rand() < 0.4 ? `${kind}:${reference}:${hex(8)}` : null, status, tries, 8, status === "done" ? null : lastError, t, null, at, t);
    line(network, reference, t, status === "failed" ? "error" : "attempt", step, status === "failed" ? "error" : status === "skipped" ? "skipped" : "ok", message, JSON.stringify(detail), id);
    return id;
  };
  const sha = () => hex(64);

  const totalDays = days + extraDays;
  let day = 0;
  for (let d = totalDays - 1; d >= 0; d--) {
    day = d;
    const dayStart = now - (d + 1) * DAY_MS;
    db.exec("BEGIN");
    for (let i = 0; i < perDay; i++) {
      const at = dayStart + Math.floor((i / perDay) * DAY_MS);
      const r = rand();
      const network = r < 0.45 ? "palletways" : r < 0.8 ? "upn" : "hazchem";
      const n = ++serial;
      const reference = network === "palletways" ? `6${String(n).padStart(10, "0")}` : network === "upn" ? `UPN045${String(n).padStart(7, "0")}` : `HZ${String(n).padStart(8, "0")}`;
      const orderId = uuid();
      const role = network === "hazchem" && rand() < 0.3 ? "COLLECTING" : "DELIVERING";
      consignment(network, reference, orderId, `CR-${n}`, `ORD-${n}`, role, at, at + 3_600_000);
      counts.consignments++;
      for (let w = 0; w < 3; w++) webhook(hex(32), sha(), 1, at + w * 600_000);
      line(network, reference, at, "webhook", "tms.webhook", "ok", "Order created in the TMS", JSON.stringify({ event: "ORDER_CREATED", order_id: orderId }), null);
      line(network, reference, at + 3_600_000, "webhook", "tms.webhook", "ok", "Delivery stop completed in the TMS", JSON.stringify({ event: "STOP_STATUS_UPDATED", status: "COMPLETED" }), null);

      // A TMS document (the delivery photo) downloaded and routed to the network.
      const photoSha = sha();
      const tmsDocJob = addJob(network, reference, "tms.document", at + 3_700_000, { document_id: uuid(), r2_key: `tms-inbox/${photoSha}` }, "tms.document", "Downloaded PHOTO_OF_GOODS_DELIVERY from the TMS", { sha256: photoSha, size: 250_000 + Math.floor(rand() * 200_000) });
      doc(uuid(), network, reference, "from_tms", photoSha, null, "PHOTO_OF_GOODS_DELIVERY", `photo_${n}.jpg`, "image/jpeg", 300_000, `files/${photoSha}`, tmsDocJob, null, network === "palletways" ? "uploaded" : "sent", null, at + 3_700_000, at + 3_760_000);

      if (network === "palletways") {
        addJob(network, reference, "palletways.delivery-completed", at + 3_600_000, { trackingId: reference, completedAt: at + 3_600_000 }, "palletways.delivery-completed", "Catch-up window opened", { schedule_s: [0, 60, 180, 420, 900] });
        addJob(network, reference, "palletways.ftp-upload", at + 3_800_000, { sha256: photoSha, r2Key: `files/${photoSha}` }, "palletways.ftp-upload", `Uploaded ${reference}_1.jpg to the Palletways FTP server`, { name: `${reference}_1.jpg`, bytes: 300_000 });
        ftpSeq(reference, 1);
        window(reference, at + 3_600_000, at + 3_600_000, at + 4_500_000, 5, "closed");
        const photos = 1 + Math.floor(rand() * 3);
        for (let f = 0; f < 3; f++) fetchRow(reference, at + 3_600_000 + f * 60_000 + i % 1000, `palletways/pod/${reference}/${f}.pdf`, f === 0 ? "completion" : "catch-up", photos, f === 0 ? photos : 0, "ok");
        for (let p = 1; p <= photos; p++) {
          const s = sha();
          const id = uuid();
          doc(id, network, reference, "to_tms", s, null, "PHOTO_OF_GOODS_DELIVERY", `${reference}_photo_${p}.jpg`, "image/jpeg", 180_000, `palletways/photos/${s}.jpg`, `${reference}.pdf#page=${p}`, `TMS order ${orderId}`, "attached", p, at + 3_650_000, at + 3_700_000);
          addJob(network, reference, "palletways.attach-photo", at + 3_650_000, { documentId: id }, "palletways.attach-photo", `Attached ${reference}_photo_${p}.jpg to TMS order ${orderId}`, { sha256: s, size: 180_000, document_id: id });
        }
        line(network, reference, at + 4_500_000, "window", "palletways.window", "info", "Catch-up window closed after 5 fetches", JSON.stringify({ fetches: 5 }), null);
      } else if (network === "upn") {
        upnImport(reference, rand() < 0.5 ? JSON.stringify({ barcode: reference, consignee: { name: `Consignee ${n}`, address: ["1 High Street", "Leeds", "LS1 1AA"] }, pallets: 2, service: "NEXT_DAY" }) : null, uuid(), orderId, "completed", 2, null, at - 3_600_000, at - 3_500_000);
        addJob(network, reference, "upn.import", at - 3_600_000, { barcode: reference }, "upn.import", `Imported as TMS order ${orderId}`, { upload_id: uuid() });
        const applyJob = addJob(network, reference, "upn.tracking-apply", at + 1_800_000, { eventIds: [`e-${n}-0`, `e-${n}-1`, `e-${n}-2`, `e-${n}-3`, `e-${n}-4`] }, "upn.tracking-apply", "5 tracking events applied", { events: 5 });
        const batchId = `b-${d}-${Math.floor(i / 14)}`;
        const stages = [["ARR", "Arrived"], ["UNL", "Unloaded"], ["UNL", "Unloaded"], ["OFD", "Out for delivery"], ["DEL", "Delivered"]];
        for (let k = 0; k < 5; k++) {
          const [code, stage] = stages[k];
          const occurred = new Date(at + k * 600_000).toISOString().replace(".000Z", "Z");
          upnEvent(`e-${n}-${k}`, batchId, reference, code, occurred, JSON.stringify({ event_id: `e-${n}-${k}`, barcode: reference, capture_type: k === 1 || k === 2 ? "P" : "C", pallet_barcode: k === 1 || k === 2 ? `UPNP${reference.slice(3)}00${k}` : null, stage_code: code, stage, occurred_at: occurred, depot: "045", note: null }), "applied", applyJob, at + 1_900_000, null);
          line(network, reference, at + 1_900_000, "event", "upn.tracking-apply", "ok", `${stage} at depot 045`, JSON.stringify({ upn_event_id: `e-${n}-${k}`, match: "order.id" }), applyJob);
        }
        if (i % 14 === 0) upnBatch(batchId, `upn/tracking/${batchId}.json`, at, 70, "recorded", at + 1_000, null);
        upnEpod(reference, "sent", `Signer ${n}`, new Date(at + 3_600_000).toISOString(), sha(), at + 3_650_000, null);
        addJob(network, reference, "upn.epod", at + 3_650_000, { barcode: reference }, "upn.epod", "ePOD sent to UPN", { signed_by: `Signer ${n}` });
        addJob(network, reference, "upn.image", at + 3_800_000, { sha256: photoSha }, "upn.image", "Delivery photo sent to UPN", { image_id: hex(12) });
      } else {
        addJob(network, reference, "hazchem.upload", at + 3_800_000, { sha256: photoSha, documentType: "PHOTO_OF_GOODS_DELIVERY" }, "hazchem.upload", "Delivery image sent to Hazchem", { document_id: hex(10) });
        for (let f = 0; f < 2; f++) {
          const docId = `hz-${n}-${f}`;
          const s = sha();
          hazFeed(docId, reference, f ? "POD" : "IMAGE", `${docId}.${f ? "tif" : "jpg"}`, f ? "image/tiff" : "image/jpeg", "attached", `T${n}`, 120_000, new Date(at).toISOString(), s, "id", orderId, at + 4_000_000, at + 4_100_000);
          const id = uuid();
          doc(id, network, reference, "to_tms", s, null, f ? "PROOF_OF_DELIVERY" : "PHOTO_OF_GOODS_DELIVERY", `${docId}.${f ? "tif" : "jpg"}`, f ? "image/tiff" : "image/jpeg", 120_000, `hazchem/${s}`, docId, `TMS order ${orderId}`, "attached", null, at + 4_000_000, at + 4_100_000);
          addJob(network, reference, "hazchem.feed", at + 4_000_000, { documentId: docId }, "hazchem.feed", `Attached ${docId} to TMS order ${orderId}`, { document_id: docId, sha256: s });
        }
      }
    }
    // Per day: alerts (with their hourly limits), console sessions, a few locks, seen items.
    for (let a = 0; a < 20; a++) {
      const key = `failure:${pick(["palletways", "upn", "hazchem"])}:${hex(10)}`;
      const at = dayStart + a * 4_000_000;
      outbox(uuid(), key, `Work stopped for ${key}: HTTP_503 after 8 attempts. Open /ops/failures to replay.`, a % 10 === 0 ? "failed" : "sent", 1, at, null, at, at);
      alertLimit(key, at);
    }
    // Sessions: each sign-in deletes the expired ones, so only the last day's are live.
    if (d === 0) for (let s = 0; s < 6; s++) session(hex(64), hex(64), dayStart + s * 10_000_000, dayStart + s * 10_000_000 + 12 * 3_600_000);
    for (let l = 0; l < 2; l++) lock("webhooks.tms", `203.0.113.${l + (d % 200)}`, 10, dayStart + l * 1_000, dayStart + l * 1_000 + 900_000);
    for (let s = 0; s < 3; s++) seen(`failure:${hex(16)}`, dayStart + s * 1_000);
    db.exec("COMMIT");
    progress(totalDays - d, totalDays);
  }
  // No ANALYZE: D1 plans without statistics unless someone runs it, so the bench plans the same way.
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all();
  const rows = {};
  for (const { name } of tables) rows[name] = db.prepare(`SELECT count(*) AS n FROM "${name}"`).get().n;
  db.close();
  return { consignments: counts.consignments, rows };
}

/**
 * Where the bytes go: per table and index (SQLite's dbstat), largest first. The figures come
 * from the file itself, so they include each index's pages.
 */
export function tableBytes(file) {
  const db = new DatabaseSync(file, { readOnly: true });
  let list;
  try {
    list = db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC").all();
  } catch {
    list = [];
  }
  const page = db.prepare("PRAGMA page_size").get().page_size * db.prepare("PRAGMA page_count").get().page_count;
  const owner = Object.fromEntries(db.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table','index')").all().map((r) => [r.name, r.tbl_name]));
  db.close();
  return { total: page, objects: list.map((r) => ({ name: r.name, table: owner[r.name] ?? r.name, bytes: Number(r.bytes) })) };
}

