import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch('subsec') * 1000)`;

/** Every (network, reference) the connector has seen, with the TMS order it belongs to. */
export const consignments = sqliteTable(
  "consignments",
  {
    network: text("network").notNull(),
    reference: text("reference").notNull(),
    orderId: text("order_id"),
    customerReference: text("customer_reference"),
    orderName: text("order_name"),
    role: text("role"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.network, t.reference] }),
    index("consignments_order").on(t.orderId),
    // The console's search: a reference without its network (and its prefix), a customer
    // reference, an order name. Without these every search reads every consignment.
    index("consignments_reference").on(t.reference),
    index("consignments_customer_reference").on(t.customerReference),
    index("consignments_order_name").on(t.orderName),
  ],
);

/** One row per accepted TMS webhook delivery; its key makes a replayed delivery a no-op. */
export const inboundWebhooks = sqliteTable(
  "inbound_webhooks",
  {
    id: text("id").primaryKey(),
    bodySha256: text("body_sha256").notNull(),
    eventCount: integer("event_count").notNull(),
    receivedAt: integer("received_at").notNull().default(now),
  },
  // Retention deletes by age.
  (t) => [index("inbound_webhooks_received").on(t.receivedAt)],
);

/** A unit of work. The queue carries only its id; everything else lives here. */
export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    network: text("network").notNull(),
    reference: text("reference").notNull(),
    payload: text("payload").notNull(),
    dedupeKey: text("dedupe_key"),
    status: text("status", { enum: ["queued", "running", "done", "skipped", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    lastError: text("last_error"),
    nextRunAt: integer("next_run_at"),
    /** Since when the job has been waiting (DeferError) without running to an end. */
    waitingSince: integer("waiting_since"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("jobs_dedupe").on(t.dedupeKey),
    index("jobs_status").on(t.status, t.updatedAt),
    // Reference first: a consignment's work (network and reference) and the search's look-up
    // by a reference alone both find their rows through it.
    index("jobs_reference").on(t.reference, t.network),
  ],
);

/** Each try of a job: when, how long, how it ended. */
export const attempts = sqliteTable(
  "attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    jobId: text("job_id").notNull(),
    startedAt: integer("started_at").notNull(),
    ms: integer("ms").notNull(),
    outcome: text("outcome").notNull(),
    error: text("error"),
  },
  (t) => [index("attempts_job").on(t.jobId)],
);

/** The consignment's visible record: what an operator reads at 6 a.m. */
export const timeline = sqliteTable(
  "timeline",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    network: text("network").notNull(),
    reference: text("reference").notNull(),
    at: integer("at").notNull(),
    kind: text("kind").notNull(),
    step: text("step").notNull(),
    outcome: text("outcome").notNull(),
    message: text("message").notNull(),
    detail: text("detail"),
    jobId: text("job_id"),
  },
  (t) => [
    index("timeline_consignment").on(t.network, t.reference, t.at),
    // The overview's hour-by-hour chart counts one kind of entry over the last 24 hours.
    index("timeline_kind_at").on(t.kind, t.at),
    // Retention deletes by age.
    index("timeline_at").on(t.at),
  ],
);

/**
 * Documents by identity (SHA-256 of the bytes plus the consignment), in both directions:
 * `to_tms` = attached to the TMS order by us; `from_tms` = seen in a TMS DocumentUpdate.
 */
export const documents = sqliteTable(
  "documents",
  {
    id: text("id").primaryKey(),
    network: text("network").notNull(),
    reference: text("reference").notNull(),
    direction: text("direction", { enum: ["to_tms", "from_tms"] }).notNull(),
    sha256: text("sha256").notNull(),
    /**
     * SHA-256 of the file actually sent, when it differs from the identity: a Palletways page
     * that is not a JPEG is known by its image stream but attached as a freshly written PDF.
     */
    fileSha256: text("file_sha256"),
    documentType: text("document_type").notNull(),
    filename: text("filename").notNull(),
    contentType: text("content_type"),
    size: integer("size"),
    r2Key: text("r2_key"),
    /** Where it came from: a TMS document id, a Hazchem document_id, a PDF page. */
    sourceRef: text("source_ref"),
    /** Where it went: an FTP name, a UPN image id, a Hazchem document id, a TMS order. */
    destination: text("destination"),
    status: text("status").notNull(),
    seq: integer("seq"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("documents_identity").on(t.network, t.reference, t.direction, t.sha256),
    index("documents_sha").on(t.sha256),
    index("documents_file_sha").on(t.fileSha256),
    // Held images past their limit, and the overview's documents in/out per hour.
    index("documents_status").on(t.status, t.updatedAt),
    // Retention's stored files by age: only rows still holding a file, so the daily pass does
    // not re-read every older document (their rows stay, as identities) each day.
    index("documents_stored").on(t.status, t.updatedAt).where(sql`r2_key IS NOT NULL`),
  ],
);

/** Feed cursors and other small durable values. */
export const cursors = sqliteTable("cursors", {
  name: text("name").primaryKey(),
  value: text("value").notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
});

/** Each network's last success and last error, for /healthz and the console. */
export const networkHealth = sqliteTable("network_health", {
  network: text("network").primaryKey(),
  lastSuccessAt: integer("last_success_at"),
  lastError: text("last_error"),
  lastErrorCode: text("last_error_code"),
  lastErrorAt: integer("last_error_at"),
  action: text("action"),
});
