import type { Refresher } from "../carrier";
import { windowStub } from "./window";
import { refreshImport } from "./import-refresh";

// POST /api/consignments/palletways/{trackingId}/refresh: fetch the photos now, window or not.
export const palletwaysRefresh: Refresher = async (env, trackingId) => {
  const imported = await refreshImport(env, trackingId);
  const r = await windowStub(env, trackingId).refresh(trackingId);
  if (r.ok) return { ...r.summary, ...imported };
  if (r.deferredMs !== undefined) return { deferred: true, retry_in_s: Math.ceil(r.deferredMs / 1000), message: r.message };
  throw new Error(r.message);
};
