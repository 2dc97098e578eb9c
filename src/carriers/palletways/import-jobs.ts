import type { JobHandlers } from "../carrier";
import { importOrder, IMPORT_JOB } from "./import";
import { applyNotes, APPLY_JOB } from "./import-apply";
import { lookupRun, LOOKUP_RUN_JOB } from "./import-lookups";
import { FIELDS_JOB, setFields } from "./import-fields";

// The import's job kinds, spread into the carrier's jobs (jobs.ts).
export const importJobs: JobHandlers = {
  [LOOKUP_RUN_JOB]: lookupRun,
  [IMPORT_JOB]: importOrder,
  [APPLY_JOB]: applyNotes,
  [FIELDS_JOB]: setFields,
};
