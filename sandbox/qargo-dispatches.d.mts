export interface DispatchStop {
  id: string;
  stop_type: "PICKUP" | "DELIVERY";
  date: string | null;
  location: Record<string, string | null>;
  [k: string]: unknown;
}
export interface SubcontractorDispatchBody {
  operation: "CREATE" | "UPDATE" | "CANCEL";
  payload: {
    id: string;
    name: string;
    stops: DispatchStop[];
    orders: { id: string; name: string; consignments: { id: string; pickup_stop: DispatchStop; delivery_stop: DispatchStop; goods: any[]; [k: string]: unknown }[]; [k: string]: unknown }[];
    [k: string]: unknown;
  };
}
export function dispatchStop(stopType: "PICKUP" | "DELIVERY", opts?: { id?: string; date?: string | null; location?: Record<string, string | null>; [k: string]: unknown }): DispatchStop;
export function palletwaysDispatch(opts?: {
  operation?: "CREATE" | "UPDATE" | "CANCEL";
  tripId?: string;
  tripName?: string;
  orderId?: string;
  orderName?: string;
  customerReference?: string | null;
  serviceLevel?: string | null;
  planningInstructions?: string | null;
  pickup?: Record<string, unknown>;
  delivery?: Record<string, unknown>;
  goods?: { quantity?: number | null; total_weight_kg?: number | null; packaging?: string | null; units?: number; description?: string }[];
  extraOrders?: unknown[];
  extraConsignments?: unknown[];
}): SubcontractorDispatchBody;
export function redispatch(dispatch: SubcontractorDispatchBody, operation: "CREATE" | "UPDATE" | "CANCEL", change?: (d: SubcontractorDispatchBody) => SubcontractorDispatchBody): SubcontractorDispatchBody;
export function sendDispatch(opts: { base: string; network?: string; dispatch: unknown; user: string; password: string; fetchImpl?: typeof fetch }): Promise<{ status: number; body: any }>;
