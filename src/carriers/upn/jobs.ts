import type { AnyJobDefinition } from "../../engine";
import { deliveryCompletedJob } from "./delivered";
import { sendEpodJob } from "./epod";
import { uploadImageJob } from "./images";
import { importOrderJob } from "./import";
import { applyTrackingJob } from "./tracking";

// Job kinds "upn.*", each declared beside its handler.
export const upnJobs: readonly AnyJobDefinition[] = [importOrderJob, applyTrackingJob, sendEpodJob, uploadImageJob, deliveryCompletedJob];
