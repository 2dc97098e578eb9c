import type { Db } from "../db/client";
import type { AnyJobDefinition, CronTask, NewJob, TimelineEntry } from "../engine";
import type { ReferenceFormat } from "../lib/reference";
import type { Role } from "../tms/visibility";
import type { DispatchAnswer, SubcontractorDispatch } from "../tms/dispatch";

// The one door between the centre and a network. The centre (intake, queue consumer, cron,
// operator API and console) only ever sees a `Carrier`; everything that knows a network's
// wire shapes, codes and rules lives behind it in src/carriers/<network>/.

/** "Fetch from the network now" for one consignment; the answer goes back to the operator. */
export type Refresher = (env: Env, reference: string) => Promise<Record<string, unknown>>;

export type { Role };

/** A TMS document, as the carrier's routing sees it. */
export interface OutboundDocument {
  documentType: string;
  role: Role | null;
}

/**
 * Where a TMS document goes: the kind of one of this carrier's document jobs (`job.kind` of a
 * declaration whose payload is an `OutboundDocumentPayload`, with options that travel to that
 * job in its `route`), or a skip with the reason in plain words.
 */
export type DocumentRoute = { kind: string; options?: Record<string, unknown> } | { skip: string };

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

/** A consignment the connector itself made into a TMS order (an import), and where it came from. */
export interface ImportedConsignment {
  reference: string;
  /** Where the connector learnt of it, in an operator's words ("UPN consignment list"). */
  source: string;
  /** Where the import stands, in plain words ("TMS order created", "looking it up at Palletways"). */
  status: string;
  /** Finished (its TMS order exists), or still under way / failed. */
  done: boolean;
  orderId: string | null;
  /** Epoch ms: when it was first seen, and last changed. */
  firstSeenAt: number;
  updatedAt: number;
  error: string | null;
}

/** What a dispatch capability is handed for one `POST /webhooks/tms/dispatch/{network}`. */
export interface DispatchContext {
  env: Env;
  db: Db;
  /**
   * Epoch ms by which the answer must be back (the TMS waits 20 s). Work not finished by then
   * carries on as queued jobs; the answer says so, and a later send of the same dispatch answers
   * with the outcome as it stands then.
   */
  deadline: number;
}

/** A fact about a booking, for the console's consignment page. */
export interface DispatchFact {
  label: string;
  value: string;
  /** Raw text shown as a block (a manifest, a partner's answer), else null. */
  block?: string | null;
}

/** One thing that happened to a booking, oldest first (status applied, labels, POD…). */
export interface DispatchStep {
  at: number;
  what: string;
  state: string;
  failed: boolean;
}

/** The booking behind a consignment, as the console shows it. */
export interface DispatchView {
  title: string;
  facts: DispatchFact[];
  steps: DispatchStep[];
}

/**
 * Taking a TMS subcontractor dispatch (tms-qargo.md, "POST /webhooks/tms/dispatch/{network}"):
 * the network books the trip's consignment. The centre authenticates and parses the dispatch,
 * answers NOT_SUPPORTED for a network without this capability or switched off, and always
 * answers 200 with the `DispatchAnswer` this returns.
 *
 * Rules every implementation keeps: a repeated dispatch (even byte-identical) is answered
 * with the booking's outcome as it stands then, never a cached answer, and never books twice;
 * the TMS order id is the booking's key; after an unclear outcome the network is asked whether
 * the booking exists before committing again (contracts rule 8).
 */
export interface DispatchCapability {
  /**
   * Null when dispatches can be taken; else why not, in words for the planner (it becomes a
   * NOT_SUPPORTED answer), e.g. "Palletways booking is not configured: set PALLETWAYS_ACCOUNT".
   */
  unavailable(env: Env): string | null;
  /** Answer one dispatch (CREATE, UPDATE or CANCEL) by `ctx.deadline`. Never throws for bad input: that is a USER_INPUT_ERROR answer. */
  handle(ctx: DispatchContext, dispatch: SubcontractorDispatch): Promise<DispatchAnswer>;
  /** The booking behind a network reference (e.g. a tracking ID), for the console; null if none. */
  view?(env: Env, db: Db, reference: string): Promise<DispatchView | null>;
  /** Bookings for the console overview, counted by state ("booked", "waiting", "refused"), since `since` (epoch ms). */
  counts?(env: Env, db: Db, since: number): Promise<Record<string, number>>;
}

export type { DispatchAnswer, SubcontractorDispatch };

/** Documents from the TMS to the network. */
export interface DocumentsCapability {
  /** Pure: a TMS document for one of this network's orders → one of its document jobs, or why not. */
  route(env: Env, doc: OutboundDocument): DocumentRoute;
  /** Where a document it sent went, in an operator's words ("Palletways FTP as 600123_1.jpg"). */
  describeDestination?(destination: string): string;
}

/**
 * A network, as the centre sees it: a small required core and the capabilities it has. A member
 * left out means the network does not do that; the centre never asks.
 */
export interface Carrier {
  // The core.
  /** Lower-case name: job kinds, D1 rows, URLs (`/api/consignments/{network}/…`). */
  network: string;
  /** How people name it: "Palletways". */
  label: string;
  /** What this network's references look like; a reference outside it is refused where it enters (src/lib/reference.ts). */
  referenceFormat?: ReferenceFormat;
  /** The TMS order's custom field `pallet_network` value for this network ("PALLETWAYS"). */
  orderFieldValue: string;
  /** Whether its settings are present (null = switched off) and which of them are wrong. */
  settings(env: Env): { enabled: boolean; problems: string[] };
  /** What an operator should do about one of this network's error codes, in plain words. */
  explain(code: string): string | null;
  /** Its job declarations (`defineJob`); the queue consumer runs a job of this network by its kind. */
  jobs: readonly AnyJobDefinition[];

  // Capabilities.
  /** TMS documents it takes (routing to its document jobs). */
  documents?: DocumentsCapability;
  /** Its scheduled pulls, run on the 10-minute cron while it is enabled. */
  pulls?: readonly CronTask[];
  /** Pure: what a completed delivery stop of one of its orders means (jobs, timeline lines). */
  onDeliveryCompleted?(env: Env, stop: StopCompleted): Reaction;
  /** "Fetch from the network now" for one consignment (API and console). */
  refresh?: Refresher;
  /** Its items that need a person and arose at or after `since` (epoch ms). */
  attention?(env: Env, db: Db, since: number): Promise<AttentionItem[]>;
  /**
   * The daily retention pass: delete this network's own raw partner responses and tables older
   * than `cutoffMs` (never what unfinished or failed work still needs), in bounded batches.
   * Returns what it removed, by name.
   */
  retention?(env: Env, db: Db, cutoffMs: number): Promise<Record<string, number>>;
  /** A consignment's handling units (pallets) and their scans, for the console. */
  scans?(env: Env, reference: string): Promise<HandlingUnitScans[]>;
  /** Consignments it imports as TMS orders itself, newest first (just one, with `reference`). */
  imports?(env: Env, db: Db, query: { reference?: string; limit: number }): Promise<ImportedConsignment[]>;
  /** Its own work under way, shown on the console overview. */
  openWork?(env: Env, db: Db, now: number): Promise<OpenWork>;
  /** Takes the TMS's subcontractor dispatches (`POST /webhooks/tms/dispatch/{network}`): books with the network; absent = NOT_SUPPORTED. */
  dispatch?: DispatchCapability;
}
