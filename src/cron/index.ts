import { getConfig, networkEnabled } from "../config";
import { db as openDb } from "../db/client";
import { errorCode, errorMessage, PermanentError } from "../lib/errors";
import { markError, markSuccess } from "../lib/health";
import { log } from "../lib/log";
import { redriveStuckJobs } from "../lib/jobs";
import type { CronTask } from "./tasks";
import { cronTasks } from "./registry";

const redrive: CronTask = {
  name: "jobs.redrive",
  network: null,
  run: async (env, db) => ({ redriven: await redriveStuckJobs(env, db) }),
};

export async function runScheduled(env: Env, tasks: CronTask[] = [redrive, ...cronTasks]): Promise<Record<string, unknown>> {
  const config = getConfig(env);
  const db = openDb(env);
  const report: Record<string, unknown> = {};
  for (const task of tasks) {
    if (task.network && !networkEnabled(config, task.network)) {
      report[task.name] = "switched off";
      continue;
    }
    const started = Date.now();
    try {
      const result = await task.run(env, db);
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
