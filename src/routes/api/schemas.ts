import { z } from "zod";

// The operator API's shapes, once: the routes validate their parameters with these, and
// GET /api/openapi.json is generated from them (openapi.ts). A test holds real answers to them.
// Every answer has an id: it is a named component of the document.

export const consignmentParams = z.object({
  network: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, "a network name: lower-case letters, digits and '-'").describe("a network's name, as listed under `networks` in /healthz"),
  reference: z.string().min(1).max(200).describe("the network's own reference for the consignment (its tracking ID, barcode or consignment number)"),
});

export const idParams = z.object({ id: z.string().min(1).max(500).describe("the id from the list") });

export const errorAnswer = z
  .object({
    error: z.string().describe("a stable code: unknown_network, not_found, not_supported, network_off, refresh_failed, invalid_params, unauthorized, …"),
    message: z.string().describe("what went wrong, in plain words"),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe("the failing fields of a 400"),
  })
  .meta({ id: "Error" });

const iso = z.string().describe("ISO 8601 time");

const timelineEntry = z
  .object({
    at: iso,
    kind: z.string().describe("webhook, event, document, attempt, upload, attachment, error, skipped, fetch, window, info"),
    step: z.string(),
    outcome: z.enum(["ok", "error", "skipped", "waiting", "info"]),
    message: z.string(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    job_id: z.string().nullable(),
  })
  .meta({ id: "TimelineEntry" });

const documentRow = z
  .object({
    id: z.string(),
    direction: z.enum(["to_tms", "from_tms"]),
    document_type: z.string().nullable(),
    filename: z.string(),
    content_type: z.string().nullable(),
    size: z.number().int().nullable(),
    sha256: z.string(),
    status: z.string(),
    destination: z.string().nullable(),
    created_at: iso,
  })
  .meta({ id: "Document" });

const jobRow = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(["queued", "running", "done", "skipped", "failed"]),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    updated_at: iso,
  })
  .meta({ id: "Job" });

const handlingUnit = z
  .object({
    barcode: z.string(),
    scans: z.array(
      z.object({
        at: iso,
        what: z.string(),
        status: z.string().nullable(),
        location: z.string().nullable(),
        note: z.string().nullable(),
        state: z.string(),
        failed: z.boolean(),
      }),
    ),
  })
  .meta({ id: "HandlingUnit" });

const booking = z
  .object({
    title: z.string(),
    facts: z.array(z.object({ label: z.string(), value: z.string(), block: z.string().nullable().optional().describe("raw text: the manifest sent, the network's answer") })),
    steps: z.array(z.object({ at: z.number().describe("epoch ms"), what: z.string(), state: z.string(), failed: z.boolean() })).describe("oldest first"),
  })
  .describe("the booking made from a TMS subcontractor dispatch, where the network takes them")
  .meta({ id: "Booking" });

export const consignmentAnswer = z
  .object({
    network: z.string(),
    reference: z.string(),
    order_id: z.string().nullable(),
    customer_reference_number: z.string().nullable(),
    role: z.string().nullable(),
    timeline: z.array(timelineEntry).describe("oldest first"),
    documents: z.array(documentRow),
    jobs: z.array(jobRow),
    handling_units: z.array(handlingUnit).describe("each pallet's scans, where the network has them"),
    import: z
      .object({ source: z.string(), status: z.string(), done: z.boolean(), first_seen_at: iso, error: z.string().nullable() })
      .nullable()
      .describe("when the connector made this consignment into a TMS order itself: where it came from and where the import stands"),
    booking: booking.nullable(),
  })
  .meta({ id: "Consignment" });

const importRow = z
  .object({
    network: z.string(),
    network_label: z.string(),
    reference: z.string(),
    source: z.string().describe("where the connector learnt of it, e.g. “UPN consignment list”, “Palletways status notes (getConsignment)”"),
    status: z.string().describe("where the import stands, in plain words"),
    done: z.boolean().describe("its TMS order exists"),
    order_id: z.string().nullable(),
    first_seen_at: iso,
    updated_at: iso,
    error: z.string().nullable(),
  })
  .meta({ id: "Import" });

export const importsAnswer = z.object({ imports: z.array(importRow).describe("newest first, at most 200") }).meta({ id: "Imports" });


/** The dispatch door's answer (Qargo's SubcontractorDispatchResponse), for the OpenAPI document (openapi.ts). */
export const dispatchAnswerSchema = z
  .object({
    errors: z
      .array(z.object({ error_type: z.enum(["USER_INPUT_ERROR", "INTERNAL_ERROR", "NOT_SUPPORTED"]), error_message: z.string().describe("plain words a planner can act on") }))
      .describe("empty: booked (or already booked by an earlier send of the same order)"),
  })
  .meta({ id: "SubcontractorDispatchResponse" });

export const refreshAnswer = z.object({ ok: z.literal(true) }).catchall(z.unknown()).describe("what the network's refresh found; its fields differ per network").meta({ id: "Refresh" });

const failure = z
  .object({
    id: z.string(),
    kind: z.string(),
    network: z.string(),
    reference: z.string(),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    failed_at: iso,
  })
  .meta({ id: "Failure" });

export const failuresAnswer = z.object({ failures: z.array(failure).describe("newest first, at most 500") }).meta({ id: "Failures" });

export const replayAnswer = z.object({ ok: z.literal(true), replayed: z.string() }).meta({ id: "Replayed" });

const attentionItem = z
  .object({
    id: z.string(),
    kind: z.string().describe("failure, network, exception, held, window, …"),
    network: z.string(),
    network_label: z.string(),
    reference: z.string().nullable(),
    at: iso,
    title: z.string(),
    action: z.string().nullable().describe("what a person should do"),
    link: z.string().describe("the console page"),
  })
  .meta({ id: "AttentionItem" });

export const attentionAnswer = z.object({ items: z.array(attentionItem), count: z.number().int(), seen: z.number().int().describe("items marked seen and so left out") }).meta({ id: "Attention" });

export const seenAnswer = z.object({ ok: z.literal(true), seen: z.string() }).meta({ id: "Seen" });

const networkState = z
  .object({
    enabled: z.boolean(),
    last_success_at: z.string().nullable(),
    last_error_code: z.string().nullable(),
    last_error: z.string().nullable().describe("in full, with what the partner said"),
    last_error_at: z.string().nullable(),
    action: z.string().nullable().describe("what a person must do, when only a person can fix it"),
  })
  .meta({ id: "NetworkState" });

export const healthAnswer = z
  .object({
    networks: z.record(z.string(), networkState),
    config_problems: z.array(z.string()).describe("settings that are present but wrong (a weak INBOUND_BASIC_PASSWORD, a malformed mapping), named, never their values"),
  })
  .meta({ id: "Health" });
