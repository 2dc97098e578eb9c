import type { Network } from "../config";
import { palletwaysRefresh } from "./palletways/refresh";
import { hazchemRefresh } from "./hazchem/refresh";

// Manual refresh per network ("fetch from the network now"). UPN's data only arrives on the
// cron, so it has none.
export type Refresher = (env: Env, reference: string) => Promise<Record<string, unknown>>;

export const refreshers: Partial<Record<Network, Refresher>> = {
  palletways: palletwaysRefresh,
  hazchem: hazchemRefresh,
};
