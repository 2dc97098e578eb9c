import type { CronTask } from "./tasks";
import { upnCron } from "../carriers/upn/cron";
import { hazchemCron } from "../carriers/hazchem/cron";
import { palletwaysCron } from "../carriers/palletways/cron";

// Every network's scheduled pulls, in the order they run.
export const cronTasks: CronTask[] = [...upnCron, ...hazchemCron, ...palletwaysCron];
