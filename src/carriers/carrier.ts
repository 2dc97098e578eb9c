import type { PullPass } from "../engine/pulls";
import type { Db } from "../db/client";
import type { TimelineEntry } from "../lib/timeline";
import type { NewJob } from "../lib/jobs";
import type { Role } from "../tms/visibility";

// The one door between the centre and a network. The centre (intake, queue consumer, cron,
// operator API and console) only ever sees a `Carrier`; everything that knows a network's
// wire shapes, codes and rules lives behind it in src/carriers/<network>/.

export interface JobContext<P = Record<string, unknown>> {
  env: Env;
  db: Db;
  jobId: string;
  network: string;
  reference: string;
  payload: P;
  attempt: number;
  /**
   * Whether any earlier run of this job may have reached a partner: an earlier attempt, or a
   * run before a replay (which starts the count at 1 again). Checks before repeating use this.
   */
  ranBefore(): Promise<boolean>;
  /** Record a step on the consignment's timeline (network/reference/jobId filled in). */
  timeline(entry: Omit<TimelineEntry, "network" | "reference" | "jobId"> & Partial<Pick<TimelineEntry, "network" | "reference">>): Promise<void>;
  /** Follow-on work, created in D1 and queued after this job succeeds. */
  enqueue(jobs: NewJob[]): Promise<string[]>;
}

type JobResult = { status: "done" | "skipped"; message?: string } | void;

export type JobHandler<P = any> = (ctx: JobContext<P>) => Promise<JobResult>;

/** Job kinds (`<network>.<what>`) and their handlers. */
export type JobHandlers = Record<string, JobHandler>;

/** A scheduled pull, run on the 10-minute cron while its network is enabled. */
export interface CronTask {
  /** The pull's name, `<network>.<kind>`: also the name of its lease (contract rule 12). */
  name: string;
  /** `pass` says how much time is left: a long loop stops before its budget ends. */
  run(env: Env, db: Db, pass?: PullPass): Promise<Record<string, unknown> | void>;
}

/** "Fetch from the network now" for one consignment; the answer goes back to the operator. */
export type Refresher = (env: Env, reference: string) => Promise<Record<string, unknown>>;

export type { Role };

/** A TMS document, as the carrier's routing sees it. */
export interface OutboundDocument {
  documentType: string;
  role: Role | null;
}

/**
 * Where a TMS document goes: a job kind of this carrier (with options that travel to that job
 * in `OutboundDocumentPayload.route`), or a skip with the reason in plain words.
 */
export type DocumentRoute = { kind: string; options?: Record<string, unknown> } | { skip: string };

/**
 * The centre's document job: fetch a TMS document once, keep it in R2 under its SHA-256, refuse
 * echoes and same bytes, then queue the carrier's job `next` with an OutboundDocumentPayload.
 * The intake queues it for webhooks; a carrier may queue it for a document it finds on an order.
 */
export const TMS_DOCUMENT_JOB = "tms.document";

export interface TmsDocumentPayload {
  documentId: string | null;
  documentType: string;
  name: string;
  content: { r2Key: string; contentType: string; filename: string } | { downloadUrl: string };
  role: string | null;
  next: string;
  /** The carrier routing's options for its job. */
  route?: Record<string, unknown> | null;
  orderId: string;
  customerReference: string | null;
}

/** What a carrier's document job receives from the centre (tms.document). */
export interface OutboundDocumentPayload {
  documentRowId: string;
  r2Key: string;
  sha256: string;
  filename: string;
  contentType: string;
  documentType: string;
  documentId: string | null;
  role: string | null;
  orderId: string;
  /** `DocumentRoute.options` of the route that chose this job. */
  route: Record<string, unknown> | null;
}

/** A delivery stop of one of this network's orders reached COMPLETED in the TMS. */
export interface StopCompleted {
  reference: string;
  stopId: string;
  /** Epoch ms: the stop's actual end, or the event's time. */
  completedAt: number;
  orderId: string;
  role: Role | null;
}

/** What the carrier wants done about it: jobs to queue and lines for the timeline. */
export interface Reaction {
  jobs: NewJob[];
  timeline: Omit<TimelineEntry, "network" | "reference">[];
}

/** Work of a network's own that is under way, for the console overview (e.g. photo windows). */
export interface OpenWork {
  title: string;
  caption: string;
  /** What the console says when nothing is open. */
  empty: string;
  referenceLabel: string;
  items: { reference: string; startedAt: number; closesAt: number; progress: string; status: string }[];
}

/**
 * Something of this network's that needs a person (an exception stage, work held too long, a
 * window that never closed). The centre adds failures and unhealthy networks, lists them all
 * in `GET /api/attention` and the console, and alerts on the ones marked `alert`.
 */
export interface AttentionItem {
  /** What sort of thing it is ("exception", "held", "window"): part of the item's id. */
  kind: string;
  /** Unique within this network and kind; a new occurrence must get a new key. */
  key: string;
  reference: string;
  /** Epoch ms when it arose (for the `since` filter and the list's order). */
  at: number;
  /** Plain words for an operator at 6 a.m. */
  title: string;
  action: string | null;
  /** Send an alert when it first appears (ALERT_WEBHOOK_URL). */
  alert?: boolean;
}

/** One scan of a handling unit (a pallet), in words that name no network's codes. */
export interface HandlingUnitScan {
  /** When it happened (ISO 8601). */
  at: string;
  /** What happened, as the network names it: "Unloaded (UNL)". */
  what: string;
  /** The scan status given to the TMS (SCANNED_IN, STORED, SCANNED_OUT), if any. */
  status: string | null;
  location: string | null;
  note: string | null;
  /** Where the scan stands: in the TMS, waiting, failed…, in plain words. */
  state: string;
  failed: boolean;
}

/** A consignment's handling unit and its scans, oldest first. */
export interface HandlingUnitScans {
  barcode: string;
  scans: HandlingUnitScan[];
}

export interface Carrier {
  /** Lower-case name: job kinds, D1 rows, URLs (`/api/consignments/{network}/…`). */
  network: string;
  /** How people name it: "Palletways". */
  label: string;
  /** The TMS order's custom field `pallet_network` value for this network ("PALLETWAYS"). */
  orderFieldValue: string;
  /** Whether its settings are present (null = switched off) and which of them are wrong. */
  settings(env: Env): { enabled: boolean; problems: string[] };
  jobs: JobHandlers;
  cron: CronTask[];
  refresh?: Refresher;
  /** Pure: a TMS document for one of this network's orders → a job kind, or why not. */
  routeDocument(env: Env, doc: OutboundDocument): DocumentRoute;
  /** Pure: what a completed delivery stop means for this network (nothing, when absent). */
  onDeliveryCompleted?(env: Env, stop: StopCompleted): Reaction;
  /** The consignment's handling units (pallets) and their scans, for the console (none, when absent). */
  handlingUnitScans?(env: Env, reference: string): Promise<HandlingUnitScans[]>;
  /** What an operator should do about one of this network's error codes, in plain words. */
  explain(code: string): string | null;
  /** Where a document it sent went, in an operator's words ("Palletways FTP as 600123_1.jpg"). */
  describeDestination?(destination: string): string;
  /** Its own work under way, shown on the console overview. */
  openWork?(env: Env, db: Db, now: number): Promise<OpenWork>;
  /** This network's items that need a person and arose at or after `since` (epoch ms). */
  attention?(env: Env, db: Db, since: number): Promise<AttentionItem[]>;
  /**
   * The daily retention pass: delete this network's own raw partner responses and tables older
   * than `cutoffMs` (never what unfinished or failed work still needs), in bounded batches.
   * Returns what it removed, by name.
   */
  retention?(env: Env, db: Db, cutoffMs: number): Promise<Record<string, number>>;
}
