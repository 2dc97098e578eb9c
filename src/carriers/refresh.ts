import type { Network } from "../config";

// Manual refresh per network ("fetch from the network now"). Networks whose data only arrives
// on the cron have none.
export type Refresher = (env: Env, reference: string) => Promise<Record<string, unknown>>;

export const refreshers: Partial<Record<Network, Refresher>> = {};
