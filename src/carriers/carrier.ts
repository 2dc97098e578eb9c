import type { Db } from "../db/client";
import type { TimelineEntry } from "../lib/timeline";
import type { NewJob } from "../lib/jobs";

// What a job handler gets and gives back. Carriers register their handlers by kind
// (`<network>.<what>`) in src/carriers/<network>/jobs.ts.

export interface JobContext<P = Record<string, unknown>> {
  env: Env;
  db: Db;
  jobId: string;
  network: string;
  reference: string;
  payload: P;
  attempt: number;
  /** Record a step on the consignment's timeline (network/reference/jobId filled in). */
  timeline(entry: Omit<TimelineEntry, "network" | "reference" | "jobId"> & Partial<Pick<TimelineEntry, "network" | "reference">>): Promise<void>;
  /** Follow-on work, created in D1 and queued after this job succeeds. */
  enqueue(jobs: NewJob[]): Promise<string[]>;
}

export type JobResult = { status: "done" | "skipped"; message?: string } | void;

export type JobHandler<P = any> = (ctx: JobContext<P>) => Promise<JobResult>;

export type JobHandlers = Record<string, JobHandler>;
