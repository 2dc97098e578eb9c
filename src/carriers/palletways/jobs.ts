import type { JobHandlers } from "../carrier";
import { PermanentError } from "../../lib/errors";
import { attachPhoto } from "./attach";
import { fetchDeliveryPhotos } from "./photos";
import { ftpUpload } from "./ftp-upload";
import { windowStub } from "./window";
import { bookJob } from "./booking-job";
import { labelsJob, linkJob, podJob, statusJob } from "./booking-followups";
import { BOOK_JOB, LABELS_JOB, LINK_JOB, POD_JOB, STATUS_JOB } from "./booking-store";

// Job kinds "palletways.*" run by the queue consumer.
export const palletwaysJobs: JobHandlers = {
  /** Delivery completion (TMS stop or status note 900): open the photo catch-up window. */
  "palletways.delivery-completed": async (ctx) => {
    const p = ctx.payload as { trackingId: string; completedAt: number; source: string };
    if (!p.trackingId) throw new PermanentError("no tracking ID on the completion signal");
    const r = await windowStub(ctx.env, p.trackingId).open(p.trackingId, p.completedAt, p.source === "note" ? "status note 900" : "TMS delivery completed");
    if (!r.opened) {
      await ctx.timeline({ kind: "window", step: "palletways.window", outcome: "skipped", message: `Completion signal (${p.source}) ignored: ${r.message}` });
      return { status: "skipped", message: r.message };
    }
  },
  /** A catch-up fetch that kept failing in its window, carried on with the queue's retries. */
  "palletways.fetch-photos": async (ctx) => {
    const p = ctx.payload as { trackingId: string; reason: string };
    await fetchDeliveryPhotos(ctx.env, ctx.db, p.trackingId, p.reason);
  },
  "palletways.attach-photo": attachPhoto,
  "palletways.ftp-upload": ftpUpload,
  // Bookings from TMS dispatches (booking*.ts).
  [BOOK_JOB]: bookJob,
  [LINK_JOB]: linkJob,
  [LABELS_JOB]: labelsJob,
  [STATUS_JOB]: statusJob,
  [POD_JOB]: podJob,
};
