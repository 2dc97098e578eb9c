import { z } from "zod";
import { defineJob } from "../../engine";
import { PermanentError } from "../../lib/errors";
import { windowStub } from "./window";

// palletways.delivery-completed: a delivery completion (TMS stop or status note 900) opens the
// photo catch-up window for its tracking ID.

export const deliveryCompletedJob = defineJob(
  "palletways.delivery-completed",
  z.object({ trackingId: z.string(), completedAt: z.number(), source: z.string() }),
  async (ctx) => {
    const p = ctx.payload;
    if (!p.trackingId) throw new PermanentError("no tracking ID on the completion signal");
    const r = await windowStub(ctx.env, p.trackingId).open(p.trackingId, p.completedAt, p.source === "note" ? "status note 900" : "TMS delivery completed");
    if (!r.opened) {
      await ctx.timeline({ kind: "window", step: "palletways.window", outcome: "skipped", message: `Completion signal (${p.source}) ignored: ${r.message}` });
      return { status: "skipped", message: r.message };
    }
  },
);
