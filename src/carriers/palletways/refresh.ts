import type { Refresher } from "../refresh";

// POST /api/consignments/palletways/{reference}/refresh: fetch from palletways now.
export const palletwaysRefresh: Refresher = async () => {
  throw new Error("manual refresh for palletways is being built");
};
