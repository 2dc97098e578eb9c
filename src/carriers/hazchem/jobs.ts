import type { JobHandlers } from "../carrier";
import { JOB_FEED_DOCUMENT, JOB_UPLOAD } from "./enums";
import { hazchemFeedDocument } from "./feed";
import { hazchemUpload } from "./upload";

// Job kinds "hazchem.*" run by the queue consumer.
export const hazchemJobs: JobHandlers = {
  [JOB_UPLOAD]: hazchemUpload,
  [JOB_FEED_DOCUMENT]: hazchemFeedDocument,
};
