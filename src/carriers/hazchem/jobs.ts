import type { JobHandlers } from "../../queues/registry";

// Job kinds "hazchem.*" run by the queue consumer.
export const hazchemJobs: JobHandlers = {};
