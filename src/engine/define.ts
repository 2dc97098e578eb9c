import type { z } from "zod";
import type { Db } from "../db/client";
import { PermanentError } from "../lib/errors";
import type { TimelineEntry } from "./timeline";

// A job kind is declared once, where its handler lives: its name, the zod schema of its payload
// and the handler. Kinds, payload types and the checks on both ends all come from that one
// declaration, so a payload is refused when it is queued and again when it is run (a stored
// payload that no longer fits is this job's permanent failure, naming the field).

/** Marks a job made by its declaration (not enumerable: a job compares and serialises as its plain fields). */
const queued: unique symbol = Symbol("queued");

/** One unit of work ready to be written to D1; made only by `JobDefinition.job`, so its payload was checked. */
export interface NewJob {
  readonly kind: string;
  readonly network: string;
  readonly reference: string;
  readonly payload: unknown;
  /** Same key, same job: a replayed webhook or a re-polled feed does not add work twice. */
  readonly dedupeKey?: string;
  readonly maxAttempts?: number;
  readonly [queued]: true;
}

export interface JobContext<P> {
  env: Env;
  db: Db;
  jobId: string;
  network: string;
  reference: string;
  /** The stored payload, parsed by the job's schema. */
  payload: P;
  attempt: number;
  /**
   * Whether any earlier run of this job may have reached a partner: an earlier attempt, or a
   * run before a replay (which starts the count at 1 again). Checks before repeating use this.
   */
  ranBefore(): Promise<boolean>;
  /** Record a step on the consignment's timeline (network/reference/jobId filled in). */
  timeline(entry: Omit<TimelineEntry, "network" | "reference" | "jobId"> & Partial<Pick<TimelineEntry, "network" | "reference">>): Promise<void>;
  /** Follow-on work, created in D1 and queued after this job succeeds. */
  enqueue(jobs: NewJob[]): Promise<string[]>;
  /** The declaration of a kind known only at run time (a document's `next` job), for this job's network. */
  jobFor(kind: string): AnyJobDefinition | undefined;
}

export type JobResult = { status: "done" | "skipped"; message?: string } | void;

export type JobHandler<P> = (ctx: JobContext<P>) => Promise<JobResult>;

/** Where a job is queued for, and what it carries (the schema's input type). */
export interface JobTarget<I> {
  network: string;
  reference: string;
  payload: I;
  dedupeKey?: string;
  maxAttempts?: number;
}

export interface JobDefinition<K extends string = string, S extends z.ZodType = z.ZodType> {
  readonly kind: K;
  readonly schema: S;
  // Method syntax: a list of declarations with different payloads is one `AnyJobDefinition[]`.
  run(ctx: JobContext<z.output<S>>): Promise<JobResult>;
  /** A job of this kind, its payload checked against the schema (a mismatch throws, naming the field). */
  job(target: JobTarget<z.input<S>>): NewJob;
  /** The stored payload as the handler gets it; a mismatch is a PermanentError naming the field. */
  parse(stored: unknown): z.output<S>;
}

/** Any declared job, as the consumer's catalog holds them. */
export type AnyJobDefinition = JobDefinition<string, z.ZodType>;

export function defineJob<K extends string, S extends z.ZodType>(kind: K, schema: S, run: JobHandler<z.output<S>>): JobDefinition<K, S> {
  const check = (value: unknown, when: string): z.output<S> => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    throw new PermanentError(`the ${kind} job's payload ${when} is not valid: ${describeIssues(r.error)}`, "INVALID_PAYLOAD", "a bug in the connector made this job; report it with the consignment");
  };
  return {
    kind,
    schema,
    run,
    job: (t) => {
      check(t.payload, "being queued");
      const job: Omit<NewJob, typeof queued> = { kind, network: t.network, reference: t.reference, payload: t.payload, dedupeKey: t.dedupeKey, maxAttempts: t.maxAttempts };
      return Object.defineProperty(job, queued, { value: true, enumerable: false }) as NewJob;
    },
    parse: (stored) => check(stored, "stored in D1"),
  };
}

/** "route.type: expected string" for each issue, paths joined by dots. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(the payload)"}: ${i.message}`).join("; ");
}
