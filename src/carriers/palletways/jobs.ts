import type { AnyJobDefinition } from "../../engine";
import { attachPhotoJob } from "./attach";
import { deliveryCompletedJob } from "./delivery-completed";
import { ftpUploadJob } from "./ftp-upload";
import { importJobs } from "./import-jobs";
import { fetchPhotosJob } from "./photos";
import { bookingJobs } from "./booking-jobs";

// Job kinds "palletways.*", each declared beside its handler.
export const palletwaysJobs: readonly AnyJobDefinition[] = [deliveryCompletedJob, fetchPhotosJob, attachPhotoJob, ftpUploadJob, ...importJobs, ...bookingJobs];
