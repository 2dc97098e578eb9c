import { db as openDb } from "../db/client";
import { carriers, networkEnabled, networkLabel } from "../carriers";
import { raiseAlert } from "../lib/alerts";
import type { CronTask } from "../carriers/carrier";
import { errorCode, errorMessage, PermanentError } from "../lib/errors";
import { markError, markSuccess } from "../lib/health";
import { log } from "../lib/log";
import { redriveStuckJobs } from "../lib/jobs";
import { attentionSweep } from "./attention";
import { runRetentionIfDue } from "../lib/retention";
import { PASS_BUDGET_MS, withLease } from "../engine/pulls";

// The one Cron Trigger (`*/10 * * * *`): the centre's own upkeep, then every enabled network's
// pulls in the order the carriers list them, each under its lease (engine/pulls.ts: an
// overlapping invocation or a manual refresh skips a pull another pass is running) and within
// the invocation's time budget. A task that throws marks its network's health and the others go on.

interface ScheduledTask extends CronTask {
  /** null: the centre's own upkeep, which always runs. */
  network: string | null;
}

const redrive: ScheduledTask = {
  name: "jobs.redrive",
  network: null,
  run: async (env, db) => ({
    redriven: await redriveStuckJobs(env, db, (j) =>
      raiseAlert(env, db, { kind: "failure", network: j.network, reference: j.reference, text: `${networkLabel(j.network)} ${j.reference}: work stopped (${j.kind}): ${j.message}`, path: `/ops/failures#job-${j.id}` }),
    ),
  }),
};

/** Last, so that it sees what this cycle's pulls recorded (exception stages, network health). */
const attention: ScheduledTask = {
  name: "attention.alerts",
  network: null,
  run: (env, db) => attentionSweep(env, db),
};

/** Once a day (tracked in D1): the generic tables here, each network's own through its hook. */
const retention: ScheduledTask = {
  name: "retention",
  network: null,
  run: async (env, db) => {
    const hooks = carriers().flatMap((c) => (c.retention ? [{ network: c.network, run: (e: Env, cutoff: number) => c.retention!(e, db, cutoff) }] : []));
    const r = await runRetentionIfDue(env, db, hooks);
    return r ? { removed: r.removed, errors: r.errors.length } : { skipped: "ran within the last day" };
  },
};

/** Every task in the order it runs; with a network, only that network's pulls. */
export function scheduledTasks(network?: string): ScheduledTask[] {
  const pulls = carriers().flatMap((c) => c.cron.map((t) => ({ ...t, network: c.network })));
  return network === undefined ? [redrive, ...pulls, retention, attention] : pulls.filter((t) => t.network === network);
}

/** Less than this left of the invocation's budget: the remaining tasks wait for the next one. */
const MIN_TASK_MS = 30_000;

export async function runScheduled(env: Env, tasks: ScheduledTask[] = scheduledTasks()): Promise<Record<string, unknown>> {
  const db = openDb(env);
  const report: Record<string, unknown> = {};
  // One budget for the whole invocation (the platform stops it at 15 minutes): each task gets
  // what is left of it, and runs only under its own lease.
  const deadline = Date.now() + PASS_BUDGET_MS;
  for (const task of tasks) {
    if (task.network && !networkEnabled(env, task.network)) {
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
