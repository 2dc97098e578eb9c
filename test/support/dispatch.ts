import { env, SELF } from "cloudflare:test";
import { sendDispatch } from "../../sandbox/qargo-dispatches.mjs";

/** POSTs a dispatch to the connector's dispatch door as Qargo does; returns status and JSON. */
export function postDispatch(dispatch: unknown, network = "palletways", creds: { user?: string; password?: string } = {}): Promise<{ status: number; body: any }> {
  return sendDispatch({
    base: "https://connector.test",
    network,
    dispatch,
    user: creds.user ?? env.INBOUND_BASIC_USER,
    password: creds.password ?? env.INBOUND_BASIC_PASSWORD,
    fetchImpl: (input: RequestInfo | URL, init?: RequestInit) => SELF.fetch(input as string, init),
  });
}
