import { z } from "zod";
import { subcontractorDispatchSchema } from "../../tms/dispatch";
import {
  attentionAnswer,
  consignmentAnswer,
  consignmentParams,
  errorAnswer,
  failuresAnswer,
  healthAnswer,
  idParams,
  importsAnswer,
  refreshAnswer,
  replayAnswer,
  seenAnswer,
} from "./schemas";

// GET /api/openapi.json: the operator API described from the very schemas its routes validate
// with (schemas.ts), so the document cannot drift from what the routes accept.

type Params = z.ZodObject<Record<string, z.ZodType>>;

export interface Operation {
  method: "get" | "post";
  /** Hono's form: /consignments/:network/:reference */
  path: string;
  summary: string;
  params?: Params;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

const refused = (description: string) => ({ description, schema: errorAnswer });

export const operations = {
  consignment: {
    method: "get",
    path: "/consignments/:network/:reference",
    summary: "A consignment's timeline: every webhook, document, event, attempt, upload and error, in order, with its documents, work and pallet scans",
    params: consignmentParams,
    responses: { 200: { description: "the consignment", schema: consignmentAnswer }, 400: refused("unknown network or malformed parameters"), 404: refused("no such consignment is known") },
  },
  refresh: {
    method: "post",
    path: "/consignments/:network/:reference/refresh",
    summary: "Fetch from the network now (what each network fetches is its own: photos, tracking events, a document feed)",
    params: consignmentParams,
    responses: {
      202: { description: "fetched; what was found", schema: refreshAnswer },
      400: refused("unknown network, malformed parameters, or a network without a manual refresh"),
      409: refused("the network is switched off (its settings are absent)"),
      502: refused("the network could not be reached or refused"),
    },
  },
  imports: {
    method: "get",
    path: "/imports",
    summary: "Consignments the connector made into TMS orders itself (UPN's list, Palletways status notes), with their source",
    responses: { 200: { description: "the imports, newest first", schema: importsAnswer } },
  },
  failures: {
    method: "get",
    path: "/failures",
    summary: "Work that ran out of retries, failed permanently, or waited too long",
    responses: { 200: { description: "the failures", schema: failuresAnswer } },
  },
  replay: {
    method: "post",
    path: "/failures/:id/replay",
    summary: "Run a failed piece of work again from its first attempt",
    params: idParams,
    responses: { 202: { description: "queued again", schema: replayAnswer }, 404: refused("no failed work with that id") },
  },
  attention: {
    method: "get",
    path: "/attention",
    summary: "What needs a person: failures, exception stages, work held too long, windows that never closed, unhealthy networks",
    responses: { 200: { description: "open items, newest first", schema: attentionAnswer } },
  },
  health: {
    method: "get",
    path: "/health",
    summary: "Each network's state in full and the configuration's problems (the public /healthz leaves both out)",
    responses: { 200: { description: "the state", schema: healthAnswer } },
  },
  seen: {
    method: "post",
    path: "/attention/:id/seen",
    summary: "Mark an item seen, so it leaves the list",
    params: idParams,
    responses: { 200: { description: "marked seen", schema: seenAnswer }, 404: refused("no open item with that id") },
  },
} satisfies Record<string, Operation>;

// The TMS's door for subcontractor dispatches: not an operator route (Basic credentials, the
// visibility webhook's), described here so whoever configures Qargo's endpoint finds it.
// Registered by id, so the document's components carry it (as schemas.ts does for the answers).
subcontractorDispatchSchema.meta({ id: "SubcontractorDispatch" });

function dispatchPath(origin: string) {
  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
  return {
    servers: [{ url: origin }],
    post: {
      operationId: "dispatch",
      summary: "Qargo's subcontractor dispatch: book the trip's consignment with the network (CREATE, UPDATE, CANCEL)",
      description:
        "Same authentication and 10 MiB ceiling as POST /webhooks/tms. Always 200 with a SubcontractorDispatchResponse once authenticated and the body is a dispatch, within 20 s; a booking still going on then carries on as queued work ('still booking with …'), and a later send of the same order answers with the outcome. A network that takes no dispatches, or is switched off, answers NOT_SUPPORTED.",
      security: [{ basic: [] }],
      parameters: [{ name: "network", in: "path", required: true, description: "the network that books it, e.g. palletways", schema: { type: "string" } }],
      requestBody: { required: true, content: { "application/json": { schema: ref("SubcontractorDispatch") } } },
      responses: {
        200: { description: "the booking as it stands", content: { "application/json": { schema: ref("SubcontractorDispatchResponse") } } },
        400: { description: "not JSON, or not a SubcontractorDispatch (the failing fields are named)" },
        401: { description: "no or wrong Basic credentials (INBOUND_BASIC_*), or a signature that does not verify" },
        413: { description: "the body is over 10 MiB" },
        429: { description: "too many wrong credentials from this client; see Retry-After" },
      },
    },
  };
}

/** The OpenAPI 3.1 document for the operations, with `base` as the server (…/api). */
export function openApiDocument(base: string) {
  const named = z.toJSONSchema(z.globalRegistry, { uri: (id) => `#/components/schemas/${id}` }).schemas;
  const schemas = Object.fromEntries(Object.entries(named).map(([id, s]) => [id, strip(s)]));
  const ref = (schema: z.ZodType) => {
    const id = z.globalRegistry.get(schema)?.id;
    if (!id) throw new Error("every answer schema in schemas.ts carries .meta({ id })");
    return { $ref: `#/components/schemas/${id}` };
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, op] of Object.entries(operations) as [string, Operation][]) {
    const path = op.path.replace(/:(\w+)/g, "{$1}");
    paths[path] ??= {};
    paths[path][op.method] = {
      operationId: name,
      summary: op.summary,
      parameters: op.params
        ? Object.entries(op.params.shape).map(([p, schema]) => ({ name: p, in: "path", required: true, description: schema.description, schema: strip(z.toJSONSchema(schema)) }))
        : undefined,
      responses: {
        ...Object.fromEntries(
          Object.entries(op.responses).map(([status, r]) => [status, { description: r.description, ...(r.schema ? { content: { "application/json": { schema: ref(r.schema) } } } : {}) }]),
        ),
        401: { description: "no or wrong bearer token (or console session)", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        429: { description: "too many wrong credentials from this client; see Retry-After" },
      },
    };
  }
  paths["/webhooks/tms/dispatch/{network}"] = dispatchPath(new URL(base).origin);
  return {
    openapi: "3.1.0",
    info: { title: "palletbridge operator API", version: "1", description: "Timelines, manual refresh, failures and replay, and what needs attention. Authorization: Bearer ADMIN_TOKEN." },
    servers: [{ url: base }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" }, basic: { type: "http", scheme: "basic", description: "INBOUND_BASIC_USER / INBOUND_BASIC_PASSWORD (the TMS's routes)" } }, schemas },
    paths,
  };
}

function strip(s: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, $id: _i, ...rest } = s as Record<string, unknown>;
  return rest;
}
