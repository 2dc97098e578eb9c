import type { JobHandlers } from "../carriers/carrier";
import { tmsDocument } from "./tms-document";
import { palletwaysJobs } from "../carriers/palletways/jobs";
import { upnJobs } from "../carriers/upn/jobs";
import { hazchemJobs } from "../carriers/hazchem/jobs";

// Every job kind the consumer knows; each carrier registers its own in its jobs.ts.
export const handlers: JobHandlers = {
  "tms.document": tmsDocument,
  ...palletwaysJobs,
  ...upnJobs,
  ...hazchemJobs,
};
