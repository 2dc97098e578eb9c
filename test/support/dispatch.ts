import { env, SELF } from "cloudflare:test";
import { sendDispatch } from "../../sandbox/qargo-dispatches.mjs";

// Dispatches as Qargo sends them, and the simulators' booking side (palletways-booking.mjs,
// qargo-dispatch.mjs) for tests inside workerd.

const bindings = env as unknown as Record<string, string>;
const pwBase = () => bindings.PALLETWAYS_SIM_CONTROL_URL ?? bindings.PALLETWAYS_API_URL!.replace(/\/api2$/, "");
const qargoBase = () => bindings.TMS_API_URL!;

async function control<T = any>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/**
 * POSTs a dispatch to the connector's dispatch door as Qargo does; returns status and JSON.
 * The Qargo simulator learns the trip first (as the real TMS knows its own trips), so updates
 * by stop id and uploads to its stops land.
 */
export async function postDispatch(dispatch: unknown, network = "palletways", creds: { user?: string; password?: string } = {}): Promise<{ status: number; body: any }> {
  if (dispatch && typeof dispatch === "object" && "payload" in dispatch) await control(`${qargoBase()}/__sim/trips`, { dispatch });
  return sendDispatch({
    base: "https://connector.test",
    network,
    dispatch,
    user: creds.user ?? env.INBOUND_BASIC_USER,
    password: creds.password ?? env.INBOUND_BASIC_PASSWORD,
    fetchImpl: (input: RequestInfo | URL, init?: RequestInit) => SELF.fetch(input as string, init),
  });
}

export interface SimBooking {
  TrackingID: string;
  ConNo: string;
  ImportID: string;
  Account: string;
  Lifts: number;
  Weight: number;
  manifest: Record<string, any>;
  status: { StatusCode: string; Status: string };
}

export const pwBooking = {
  state: async () => (await control<{ booking: { consignments: SimBooking[]; booked_twice: { number: string; count: number }[]; config: { labelsConfigured: boolean } }; calls: { method: string; path: string; status: number }[] }>(`${pwBase()}/__sim/state`)),
  consignments: async (number: string) => (await pwBooking.state()).booking.consignments.filter((c) => c.ConNo === number),
  calls: async (fragment: string) => (await pwBooking.state()).calls.filter((c) => c.path.includes(fragment)),
  config: (c: { labelsConfigured?: boolean }) => control(`${pwBase()}/__sim/booking/config`, c),
  /** Notes that move a booked consignment (default 300, 700, 800, 900), one a minute from `at`. */
  progress: (p: { trackingId: string; codes?: string[]; at?: string; stepMinutes?: number; signature?: string; noteType?: string; noteGroup?: string; noteText?: string }) =>
    control<{ Delta: number; StatusCode: string; NoteDate: string; NoteTime: string; PodDate: string; PodTime: string }[]>(`${pwBase()}/__sim/booking/progress`, p),
};

export interface StopFile {
  id: string;
  trip_id: string;
  stop_id: string;
  question_path_key: string;
  filename: string | null;
  name: string;
  content_type: string | null;
  size: number;
  sha256: string;
  pages: number | null;
}

export const qargoDispatch = {
  state: () =>
    control<{
      stop_files: StopFile[];
      order_updates: { order_id: string; custom_fields: Record<string, unknown> | null; consignment: Record<string, any>[] }[];
      status_updates: { order_id: string; matched_by: string; status: string | null; event_time: string; question_answers: Record<string, string> | null; update: { stop: { id: string } } }[];
      calls: { method: string; path: string; status: number }[];
    }>(`${qargoBase()}/__sim/state`),
};
