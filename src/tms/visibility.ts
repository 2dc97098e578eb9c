import type { DocumentUpdate, StopUpdate, VisibilityOrder } from "./schemas";

// Reads which network, consignment and role an order belongs to from its custom fields
// (`pallet_network`, `network_reference`, `network_role`). Pure; tested in visibility.test.ts.

/** Our depot's part in a consignment (the order's `network_role` custom field). */
export type Role = "COLLECTING" | "DELIVERING";

export interface OrderLink {
  network: string;
  reference: string;
  role: Role | null;
  orderId: string;
  customerReference: string | null;
  orderName: string;
}

/** `networkOf` names the network for a `pallet_network` value (undefined: not one of ours). */
export function linkOrder(order: VisibilityOrder | null | undefined, networkOf: (palletNetwork: string) => string | undefined): OrderLink | null {
  if (!order) return null;
  const f = order.custom_fields ?? {};
  const network = typeof f.pallet_network === "string" ? networkOf(f.pallet_network) : undefined;
  const reference = typeof f.network_reference === "string" ? f.network_reference.trim() : "";
  if (!network || !reference) return null;
  const roleRaw = typeof f.network_role === "string" ? f.network_role.trim().toUpperCase() : "";
  return {
    network,
    reference,
    role: roleRaw === "COLLECTING" || roleRaw === "DELIVERING" ? roleRaw : null,
    orderId: order.id,
    customerReference: order.customer_reference_number ?? null,
    orderName: order.order_name,
  };
}

export function isDeliveryCompleted(u: StopUpdate): boolean {
  return u.stop.stop_type === "DELIVERY" && u.stop.status === "COMPLETED";
}

export function completionTime(u: StopUpdate, eventTimestamp: string): number {
  const t = Date.parse(u.stop.actual_end_timestamp ?? "") || Date.parse(eventTimestamp);
  return Number.isFinite(t) ? t : Date.now();
}

export function isDocumentCreated(u: DocumentUpdate): boolean {
  return u.status === "CREATED";
}
