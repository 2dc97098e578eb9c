import type { AnyJobDefinition } from "../../engine";
import { feedDocumentJob } from "./feed";
import { hazchemUploadJob } from "./upload";

// Job kinds "hazchem.*", each declared beside its handler.
export const hazchemJobs: readonly AnyJobDefinition[] = [hazchemUploadJob, feedDocumentJob];
