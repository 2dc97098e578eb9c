import type { JobHandlers } from "../carrier";
import { bookJob, writeBackJob } from "./booking";
import { importJob } from "./import";
import { ourScanJob } from "./our-scans";
import { trackJob } from "./tracking";

// Job kinds "palletforce.*" run by the queue consumer.
export const palletforceJobs: JobHandlers = {
  "palletforce.book": bookJob,
  "palletforce.booking-writeback": writeBackJob,
  "palletforce.track": trackJob,
  "palletforce.import": importJob,
  "palletforce.our-scan": ourScanJob,
};
