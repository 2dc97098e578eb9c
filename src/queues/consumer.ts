import type { Db } from "../db/client";
import { carrierLabel, jobDefinition } from "../carriers";
import * as engine from "../engine";
import type { JobCatalog, JobMessage } from "../engine";

// The queue's side of the Worker: the engine's consumer (src/engine/consumer.ts) run over the
// jobs the carriers and the TMS declare. Only the wiring lives here, so the engine imports no network.

export const catalog: JobCatalog = { find: jobDefinition, label: carrierLabel };

export function handleJobBatch(batch: MessageBatch<JobMessage>, env: Env): Promise<void> {
  return engine.handleJobBatch(batch, env, catalog);
}

export function handleDeadLetters(batch: MessageBatch<JobMessage>, env: Env): Promise<void> {
  return engine.handleDeadLetters(batch, env, catalog);
}

/** Runs one job; `only` replaces the declared jobs (a test's own kinds). */
export function runJob(env: Env, db: Db, jobId: string, only?: JobCatalog["find"]): Promise<void> {
  return engine.runJob(env, db, jobId, only ? { ...catalog, find: only } : catalog);
}
