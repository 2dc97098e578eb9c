import { z } from "zod";
import { PermanentError, TransientError } from "../../lib/errors";
import { readText } from "../../lib/http";
import type { Limit } from "../../engine";
import { PalletwaysClient } from "./client";
import { classifyText } from "./messages";

// getConsignment (palletways.md, "Consignments for our delivery depot"): the one call the import
// makes to Palletways, through the shared client and limiter (with the lookups' narrower share).

const addressSchema = z
  .object({
    Type: z.string(),
    CompanyName: z.string().optional().nullable(),
    ContactName: z.string().optional().nullable(),
    Telephone: z.string().optional().nullable(),
    Line: z.array(z.string()).optional().nullable(),
    Town: z.string().optional().nullable(),
    County: z.string().optional().nullable(),
    PostCode: z.string().optional().nullable(),
    Country: z.string().optional().nullable(),
  })
  .passthrough();

export const consignmentSchema = z
  .object({
    TrackingID: z.coerce.string().regex(/^\d{11}$/),
    Number: z.coerce.string(),
    Reference: z.coerce.string().optional().nullable(),
    CollectionDepot: z.coerce.string().optional().nullable(),
    DeliveryDepot: z.coerce.string(),
    DueDate: z.string().optional().nullable(),
    DueTime: z.string().optional().nullable(),
    Lifts: z.coerce.number().optional().nullable(),
    Weight: z.coerce.number().optional().nullable(),
    ManifestNote: z.string().optional().nullable(),
    Service: z.array(z.object({ Type: z.string().optional().nullable(), Code: z.coerce.string(), Name: z.string().optional().nullable() }).passthrough()).optional().nullable(),
    Pallet: z.array(z.object({ Barcode: z.coerce.string(), BillUnit: z.string().optional().nullable() }).passthrough()).optional().nullable(),
    Address: z.array(addressSchema),
  })
  .passthrough();

export type PalletwaysConsignment = z.infer<typeof consignmentSchema>;
export type PalletwaysAddress = z.infer<typeof addressSchema>;

const answerSchema = z.object({
  Response: z.object({
    Status: z.object({ Code: z.string(), Description: z.string().optional().nullable() }),
    Detail: z.object({ Data: z.array(z.unknown()) }).optional().nullable(),
  }),
});

export type Lookup = { kind: "found"; consignment: PalletwaysConsignment } | { kind: "not_found" };

export class ConsignmentClient extends PalletwaysClient {
  /**
   * One consignment by tracking ID. `limit`/`maxWaitMs` let a low-priority caller take a slot
   * only when one is free soon (a DeferError otherwise, before any call is made).
   */
  async getConsignment(trackingId: string, limit?: Limit, maxWaitMs?: number): Promise<Lookup> {
    const step = "palletways.getConsignment";
    const answer = await this.get(this.cfg.apiUrl, `/getConsignment/${encodeURIComponent(trackingId)}`, step, { outputformat: "json" }, maxWaitMs, limit);
    const text = answer.kind === "ok" ? await readText(answer.res, this.how(step)) : answer.text;
    const e = classifyText(text);
    if (e?.kind === "not_found") return { kind: "not_found" };
    if (e) return this.plainError(answer.kind === "ok" ? answer.res.status : answer.status, text, step);
    if (answer.kind !== "ok") return this.plainError(answer.status, text, step);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new TransientError("Palletways answered getConsignment with something that is not JSON", "PALLETWAYS_NOT_JSON");
    }
    const parsed = answerSchema.safeParse(json);
    if (!parsed.success) throw new PermanentError(`Palletways getConsignment answer has an unexpected shape: ${parsed.error.issues[0]?.message}`, "PALLETWAYS_SHAPE");
    if (parsed.data.Response.Status.Code === "NO_RESULTS_FOUND") return { kind: "not_found" };
    if (parsed.data.Response.Status.Code !== "OK") throw new TransientError(`Palletways answered getConsignment with ${parsed.data.Response.Status.Code}: ${parsed.data.Response.Status.Description ?? ""}`.trim(), "PALLETWAYS_STATUS");
    const data = parsed.data.Response.Detail?.Data ?? [];
    const c = consignmentSchema.safeParse(data[0]);
    if (!c.success) {
      const issue = c.error.issues[0];
      throw new PermanentError(`Palletways sent consignment ${trackingId} without what an order needs (${issue?.path.join(".")}: ${issue?.message})`, "PALLETWAYS_SHAPE");
    }
    if (c.data.TrackingID !== trackingId) throw new PermanentError(`Palletways answered getConsignment/${trackingId} with consignment ${c.data.TrackingID}`, "PALLETWAYS_SHAPE");
    return { kind: "found", consignment: c.data };
  }
}
