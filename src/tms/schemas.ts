import { z } from "zod";

// The parts of Qargo's public API (../shared/reference/qargo-tms-openapi.yml) the connector
// uses. Unknown fields are ignored, as the spec's compatibility rule asks.

export const tokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().int().nullable().optional(),
});

const nullableString = z.string().nullable().optional();

const visibilityStopSchema = z.object({
  id: z.string(),
  location: z.unknown(),
  status: z.string(),
  stop_type: z.string(),
  actual_start_timestamp: nullableString,
  actual_end_timestamp: nullableString,
});

const visibilityOrderSchema = z.object({
  id: z.string().min(1),
  order_name: z.string(),
  customer_reference_number: nullableString,
  status: z.string(),
  custom_fields: z.record(z.string(), z.unknown()).nullable().optional(),
  stops: z.array(visibilityStopSchema),
});

const embeddedDocument = z.object({ content: z.string(), mime_type: z.string(), filename: z.string() });
const remoteDocument = z.object({ download_url: z.string().min(1) });

const documentContentSchema = z.union([embeddedDocument, remoteDocument]);

const visibilityDocumentSchema = z.object({
  name: z.string(),
  document_type: z.string(),
  document_content: documentContentSchema,
  subject: z.record(z.string(), z.unknown()),
});

const stopUpdateSchema = z.object({ id: z.string().nullable(), type: z.literal("Stop"), stop: visibilityStopSchema });
const documentUpdateSchema = z.object({
  id: z.string().nullable().optional(),
  type: z.literal("Document"),
  status: z.string(),
  document: visibilityDocumentSchema,
});

// Other update types are acknowledged and ignored, but still must be objects with a type.
const otherUpdateSchema = z.object({ type: z.string() }).passthrough();

const visibilityEventSchema = z.object({
  timestamp: z.string().min(1),
  update: z.record(z.string(), z.unknown()),
});

export const operationalVisibilityUpdateSchema = z.object({
  events: z.array(visibilityEventSchema),
  order: visibilityOrderSchema.nullable().optional(),
  trip: z.unknown().optional(),
});

export type VisibilityOrder = z.infer<typeof visibilityOrderSchema>;
export type StopUpdate = z.infer<typeof stopUpdateSchema>;
export type DocumentUpdate = z.infer<typeof documentUpdateSchema>;
export type DocumentContent = z.infer<typeof documentContentSchema>;
export type OperationalVisibilityUpdate = z.infer<typeof operationalVisibilityUpdateSchema>;

/**
 * An event's update is one of several shapes told apart by `type`; the ones we act on are
 * validated strictly (so a malformed one is a 400 naming its fields), the rest pass.
 */
export function parseUpdate(update: Record<string, unknown>):
  | { type: "Stop"; value: StopUpdate }
  | { type: "Document"; value: DocumentUpdate }
  | { type: "other"; value: z.infer<typeof otherUpdateSchema> }
  | { type: "invalid"; issues: z.core.$ZodIssue[] } {
  const schema = update.type === "Stop" ? stopUpdateSchema : update.type === "Document" ? documentUpdateSchema : null;
  if (!schema) {
    const other = otherUpdateSchema.safeParse(update);
    return other.success ? { type: "other", value: other.data } : { type: "invalid", issues: other.error.issues };
  }
  const parsed = schema.safeParse(update);
  if (!parsed.success) return { type: "invalid", issues: parsed.error.issues };
  return update.type === "Stop"
    ? { type: "Stop", value: parsed.data as StopUpdate }
    : { type: "Document", value: parsed.data as DocumentUpdate };
}

export const documentImportResponseSchema = z.object({
  errors: z.array(z.object({ error_message: z.string().optional(), error_type: z.string().optional() })).nullable().optional(),
});

/** `PartialOrderUpdateResponse`: errors, or empty/omitted when the update was processed. */
export const partialOrderUpdateResponseSchema = z
  .object({ errors: z.array(z.object({ error_message: z.string().nullable().optional(), error_type: z.string().nullable().optional() })).nullable().optional() })
  .nullable();

/** One entry of `GET /v1/orders/order/{id}/documents` (the spec's `Document`). */
export const orderDocumentSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  download_url: z.string().optional().default(""),
  subject_type: z.string().optional(),
  content_type: z.string().nullable().optional(),
});

export type OrderDocument = z.infer<typeof orderDocumentSchema>;

export const orderUploadResponseSchema = z.object({
  upload_id: z.string(),
  upload_status: z.string().optional(),
  order_id: z.string().nullable().optional(),
});

export const uploadStatusSchema = z.object({
  upload_id: z.string().optional(),
  upload_status: z.string(),
  order_id: z.string().nullable().optional(),
  errors: z.unknown().optional(),
});

const signatureSchema = z.object({
  type: z.string(),
  name: z.string().nullable().optional(),
  timestamp: z.string().nullable().optional(),
  position: z.object({ latitude: z.number(), longitude: z.number() }).nullable().optional(),
});

export const orderSchema = z.object({
  id: z.string(),
  customer_reference_number: z.string().nullable().optional(),
  consignments: z
    .array(z.object({ signatures: z.array(signatureSchema).nullable().optional() }).passthrough())
    .nullable()
    .optional(),
}).passthrough();

export type TmsOrder = z.infer<typeof orderSchema>;
