import type { JobHandlers } from "./registry";
import { tmsDocument } from "./tms-document";

// Every job kind the consumer knows. Carriers add theirs from src/carriers/<network>/jobs.ts.
export const handlers: JobHandlers = {
  "tms.document": tmsDocument,
};
