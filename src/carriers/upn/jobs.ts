import type { JobHandlers } from "../../queues/registry";

// Job kinds "upn.*" run by the queue consumer.
export const upnJobs: JobHandlers = {};
