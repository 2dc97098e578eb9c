export type PalletNetwork = "PALLETWAYS" | "UPN" | "HAZCHEM";
export type NetworkRole = "COLLECTING" | "DELIVERING";

export interface VisibilityStop {
  id: string;
  location: { name: string; [k: string]: unknown };
  status: string;
  stop_type: "PICKUP" | "DELIVERY" | "CUSTOM";
  actual_start_timestamp?: string | null;
  actual_end_timestamp?: string | null;
  [k: string]: unknown;
}

export interface VisibilityOrder {
  id: string;
  order_name: string;
  customer_reference_number?: string | null;
  customer?: { name: string; id?: string | null } | null;
  status: string;
  custom_fields?: Record<string, unknown> | null;
  stops: VisibilityStop[];
  [k: string]: unknown;
}

export interface OperationalVisibilityUpdate {
  events: { timestamp: string; update: Record<string, any> }[];
  order: VisibilityOrder | null;
  trip: unknown;
}

export function mimeFromName(name: string): string;
export function palletOrder(o: {
  id?: string;
  reference: string;
  network: PalletNetwork | string;
  role?: NetworkRole | string;
  customerReference?: string | null;
  orderName?: string;
  status?: string;
}): VisibilityOrder;
export function stopCompleted(o: { order: VisibilityOrder; at?: string }): OperationalVisibilityUpdate;
export function documentCreated(o: {
  order: VisibilityOrder;
  documentType: string;
  name: string;
  /** bytes, or a base64 string */
  content?: Uint8Array | ArrayBuffer | string;
  mimeType?: string;
  downloadUrl?: string;
  id?: string;
  at?: string;
}): OperationalVisibilityUpdate;
export function signWebhook(o: { secret: string; body: string; id?: string; timestamp?: number }): Promise<{
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}>;
export function basicHeader(user: string, password: string): string;
