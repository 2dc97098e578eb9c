import type { AnyJobDefinition } from "../../engine";
import { importJob } from "./import";
import { applyJob } from "./import-apply";
import { fieldsRunJob } from "./import-fields";
import { lookupRunJob } from "./import-lookups";

// The import's job kinds, listed with Palletways' own (jobs.ts).
export const importJobs: readonly AnyJobDefinition[] = [lookupRunJob, importJob, applyJob, fieldsRunJob];
