import type { JobHandlers } from "../../queues/registry";

// Job kinds "palletways.*" run by the queue consumer.
export const palletwaysJobs: JobHandlers = {};
