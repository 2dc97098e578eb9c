import type { Network } from "../config";
import type { Role } from "./routing";
import type { DocumentUpdate, StopUpdate, VisibilityOrder } from "./schemas";

// Reads which network, consignment and role an order belongs to from its custom fields.

const NETWORK_VALUES: Record<string, Network> = { PALLETWAYS: "palletways", UPN: "upn", HAZCHEM: "hazchem" };

export interface OrderLink {
  network: Network;
  reference: string;
  role: Role | null;
  orderId: string;
  customerReference: string | null;
  orderName: string;
}

export function linkOrder(order: VisibilityOrder | null | undefined): OrderLink | null {
  if (!order) return null;
  const f = order.custom_fields ?? {};
  const network = typeof f.pallet_network === "string" ? NETWORK_VALUES[f.pallet_network.trim().toUpperCase()] : undefined;
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
