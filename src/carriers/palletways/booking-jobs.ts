import { bookJob } from "./booking-job";
import { labelsJob, linkJob, podJob, statusJob } from "./booking-followups";

// The booking's job kinds (booking*.ts), declared beside their handlers.
export const bookingJobs = [bookJob, linkJob, labelsJob, statusJob, podJob] as const;
