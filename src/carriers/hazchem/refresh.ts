import type { Refresher } from "../refresh";

// POST /api/consignments/hazchem/{reference}/refresh: fetch from hazchem now.
export const hazchemRefresh: Refresher = async () => {
  throw new Error("manual refresh for hazchem is being built");
};
