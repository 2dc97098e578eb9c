import type { AnyJobDefinition } from "../../engine";
import { bookJob, writeBackJob } from "./booking";
import { importJob } from "./import";
import { ourScanJob } from "./our-scans";
import { trackJob } from "./tracking";

// Job kinds "palletforce.*", each declared beside its handler.
export const palletforceJobs: readonly AnyJobDefinition[] = [bookJob, writeBackJob, trackJob, importJob, ourScanJob];
