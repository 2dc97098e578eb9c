import type { Db } from "../db/client";
import type { Network } from "../config";

// A scheduled pull. The cron runs every enabled network's tasks on the one trigger
// (`*/10 * * * *`); a task that throws marks its network's health and the others go on.
export interface CronTask {
  name: string;
  /** null: not tied to a network (runs whenever the TMS is configured). */
  network: Network | null;
  run(env: Env, db: Db): Promise<Record<string, unknown> | void>;
}
