import { carrierLabel, carriers, networkEnabled } from "../carriers";
import { redriveTask, runRetentionIfDue, runTasks, type ScheduledTask } from "../engine";
import { attentionSweep } from "./attention";

// The one Cron Trigger (`*/10 * * * *`): the engine's re-drive, then every enabled network's
// pulls in the order the carriers list them, the daily retention and the attention sweep.
// The engine runs them (src/engine/scheduler.ts); this file only says which, in what order.

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
    const hooks = carriers().flatMap((c) => {
      const own = c.retention;
      return own ? [{ network: c.network, run: (e: Env, cutoff: number) => own(e, db, cutoff) }] : [];
    });
    const r = await runRetentionIfDue(env, db, hooks);
    return r ? { removed: r.removed, errors: r.errors.length } : { skipped: "ran within the last day" };
  },
};

/** Every task in the order it runs; with a network, only that network's pulls. */
export function scheduledTasks(network?: string): ScheduledTask[] {
  const pulls = carriers().flatMap((c) => (c.pulls ?? []).map((t) => ({ ...t, network: c.network })));
  return network === undefined ? [redriveTask(carrierLabel), ...pulls, retention, attention] : pulls.filter((t) => t.network === network);
}

export function runScheduled(env: Env, tasks: ScheduledTask[] = scheduledTasks()): Promise<Record<string, unknown>> {
  return runTasks(env, tasks, networkEnabled);
}
