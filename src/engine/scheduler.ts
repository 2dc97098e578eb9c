import { db as openDb, type Db } from "../db/client";
import { errorCode, errorMessage, PermanentError } from "../lib/errors";
import { log } from "../lib/log";
import { workStopped } from "./alerts";
import { markError, markSuccess } from "./health";
import { redriveStuckJobs } from "./jobs";
import { PASS_BUDGET_MS, withLease, type PullPass } from "./pulls";

/** Less than this left of the invocation's budget: the remaining tasks wait for the next one. */
const MIN_TASK_MS = 30_000;

// Runs the one Cron Trigger's tasks in order. A task that throws marks its network's health and
// the others go on. Which tasks there are is the Worker's business (src/cron/index.ts): the
// engine knows no network.

/** A scheduled pull, run on the 10-minute cron while its network is enabled. */
export interface CronTask {
  /** The pull's name, `<network>.<kind>`: also the name of its lease (contract rule 12). */
  name: string;
  /** `pass` says how much time is left: a long loop stops before its budget ends. */
  run(env: Env, db: Db, pass?: PullPass): Promise<Record<string, unknown> | void>;
}

export interface ScheduledTask extends CronTask {
  /** null: the centre's own upkeep, which always runs. */
  network: string | null;
}

/** The engine's own upkeep: work whose queue message went missing, or whose isolate died, is put back (or stands as a failure). */
export function redriveTask(label: (network: string) => string | null): ScheduledTask {
  return {
    name: "jobs.redrive",
    network: null,
    run: async (env, db) => ({
      redriven: await redriveStuckJobs(env, db, (j) => workStopped(env, db, j, j.message, label(j.network))),
    }),
  };
}

/** Runs `tasks` in order, skipping a network's task while `enabled` says it is switched off; returns what each did. */
export async function runTasks(env: Env, tasks: readonly ScheduledTask[], enabled: (env: Env, network: string) => boolean): Promise<Record<string, unknown>> {
  const db = openDb(env);
  const report: Record<string, unknown> = {};
  // One budget for the whole invocation (the platform stops it at 15 minutes): each task gets
  // what is left of it, and runs only under its own lease (pulls.ts: an overlapping invocation
  // or a manual refresh skips a pull another pass is running).
  const deadline = Date.now() + PASS_BUDGET_MS;
  for (const task of tasks) {
    if (task.network && !enabled(env, task.network)) {
      report[task.name] = "switched off";
      continue;
    }
    const started = Date.now();
    if (deadline - started < MIN_TASK_MS) {
      report[task.name] = { skipped: "no time left in this pass; the next one runs it" };
      log({ network: task.network ?? undefined, step: `cron.${task.name}`, outcome: "skipped", error: "no time left in this pass" });
      continue;
    }
    try {
      const leased = await withLease(db, task.name, (pass) => task.run(env, db, pass), deadline - started);
      if (!leased.ran) {
        report[task.name] = { skipped: `another pass is running it (lease held until ${new Date(leased.heldUntil).toISOString()})` };
        log({ network: task.network ?? undefined, step: `cron.${task.name}`, outcome: "skipped", error: "lease held by another pass" });
        continue;
      }
      const result = leased.result;
      report[task.name] = result ?? "ok";
      if (task.network) await markSuccess(db, task.network);
      log({ network: task.network ?? undefined, step: `cron.${task.name}`, outcome: "ok", ms: Date.now() - started, ...(result ?? {}) });
    } catch (err) {
      const message = errorMessage(err);
      report[task.name] = { error: message };
      if (task.network) await markError(db, task.network, message, errorCode(err), err instanceof PermanentError ? err.action : null);
      log({ network: task.network ?? undefined, step: `cron.${task.name}`, outcome: "error", ms: Date.now() - started, error: message });
    }
  }
  return report;
}
