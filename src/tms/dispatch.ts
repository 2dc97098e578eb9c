import { z } from "zod";

// Qargo's subcontractor dispatch (`SubcontractorDispatch` in ../shared/reference/qargo-tms-openapi.yml):
// the trip a planner dispatched to a network's subcontractor resource, posted to
// POST /webhooks/tms/dispatch/{network}. Only the parts a booking reads are checked; unknown
// fields are ignored (the spec's compatibility rule), and anything optional in the spec stays
// optional here, so a tenant's sparse trip reaches the carrier, which names what is missing.

const str = z.string().nullable().optional();

export const dispatchLocationSchema = z.object({
  name: str,
  display_name: str,
  address: str,
  address_second_line: str,
  city: str,
  state: str,
  country: str,
  postal_code: str,
  /** Not in the spec's location, but some tenants send a contact with it. */
  contact_name: str,
});

export const dispatchStopSchema = z.object({
  id: z.string().min(1),
  stop_type: str,
  location: dispatchLocationSchema,
  date: str,
  email: str,
  phone_number: str,
  mobile_number: str,
  planning_instructions: str,
  extras: z.array(z.object({ code: str, name: str })).nullable().optional(),
});

const handlingUnitSchema = z.object({ id: z.string() });

export const dispatchGoodSchema = z.object({
  id: z.string(),
  description: str,
  quantity: z.number().int().nullable().optional(),
  total_weight_kg: z.number().nullable().optional(),
  packaging_type: z.object({ code: str, name: str }).nullable().optional(),
  handling_units: z.array(handlingUnitSchema).nullable().optional(),
});

export const dispatchConsignmentSchema = z.object({
  id: z.string().min(1),
  consignment_reference_number: str,
  planning_instructions: str,
  pickup_stop: dispatchStopSchema,
  delivery_stop: dispatchStopSchema,
  goods: z.array(dispatchGoodSchema).nullable().optional(),
});

export const dispatchOrderSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  customer_reference_number: str,
  planning_instructions: str,
  service_level: z.object({ code: str, name: str }).nullable().optional(),
  custom_fields: z.record(z.string(), z.unknown()).nullable().optional(),
  consignments: z.array(dispatchConsignmentSchema),
});

export const subcontractorDispatchSchema = z.object({
  operation: z.enum(["CREATE", "UPDATE", "CANCEL"]),
  payload: z.object({
    /** The trip's id (null in the spec's type, but a dispatched trip has one). */
    id: str,
    name: z.string(),
    orders: z.array(dispatchOrderSchema),
    stops: z.array(dispatchStopSchema),
    custom_fields: z.record(z.string(), z.unknown()).nullable().optional(),
  }),
});

export type SubcontractorDispatch = z.infer<typeof subcontractorDispatchSchema>;
export type DispatchOrder = z.infer<typeof dispatchOrderSchema>;
export type DispatchConsignment = z.infer<typeof dispatchConsignmentSchema>;
export type DispatchStop = z.infer<typeof dispatchStopSchema>;
export type DispatchGood = z.infer<typeof dispatchGoodSchema>;

/** `SubcontractorDispatchResponse`: no errors means the dispatch was taken (booked). */
export type DispatchErrorType = "USER_INPUT_ERROR" | "INTERNAL_ERROR" | "NOT_SUPPORTED";
export interface DispatchError {
  error_type: DispatchErrorType;
  /** Plain words a planner can act on: Qargo shows them on the dispatch task. */
  error_message: string;
}
export interface DispatchAnswer {
  errors: DispatchError[];
}

export const dispatchAnswer = {
  ok: (): DispatchAnswer => ({ errors: [] }),
  error: (error_type: DispatchErrorType, error_message: string): DispatchAnswer => ({ errors: [{ error_type, error_message }] }),
};
