import { z } from "zod";

// The parts of Qargo's SubcontractorDispatch (tms-qargo.md, the spec's SubcontractorDispatch)
// that a Palletforce booking reads. Unknown fields pass (the spec's compatibility rule).

const text = z.string().nullable().optional();
const num = z.number().nullable().optional();

const locationSchema = z.object({
  name: text,
  address: text,
  address_second_line: text,
  city: text,
  postal_code: text,
  country: text,
}).passthrough();

const stopSchema = z.object({
  id: z.string().nullable().optional(),
  date: text,
  email: text,
  phone_number: text,
  location: locationSchema.nullable().optional(),
}).passthrough();

const goodSchema = z.object({
  quantity: num,
  total_weight_kg: num,
  unit_weight_kg: num,
  packaging_type: z.object({ code: text }).passthrough().nullable().optional(),
  handling_units: z.array(z.object({ id: text }).passthrough()).nullable().optional(),
}).passthrough();

const consignmentSchema = z.object({
  planning_instructions: text,
  pickup_stop: stopSchema.nullable().optional(),
  delivery_stop: stopSchema.nullable().optional(),
  goods: z.array(goodSchema).nullable().optional(),
}).passthrough();

const orderSchema = z.object({
  id: z.string().min(1),
  name: z.string().nullable().optional(),
  customer_reference_number: text,
  planning_instructions: text,
  service_level: z.object({ code: text }).passthrough().nullable().optional(),
  consignments: z.array(consignmentSchema).nullable().optional(),
}).passthrough();

export const dispatchSchema = z.object({
  operation: z.enum(["CREATE", "UPDATE", "CANCEL"]),
  payload: z.object({
    id: z.string().nullable().optional(),
    name: z.string(),
    orders: z.array(orderSchema),
    stops: z.array(z.object({ id: z.string().nullable().optional() }).passthrough()).nullable().optional(),
  }).passthrough(),
});

export type Dispatch = z.infer<typeof dispatchSchema>;
export type DispatchOrder = z.infer<typeof orderSchema>;
export type DispatchConsignment = z.infer<typeof consignmentSchema>;
export type DispatchStop = z.infer<typeof stopSchema>;
