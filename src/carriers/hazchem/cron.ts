import type { CronTask } from "../../cron/tasks";

// hazchem's pulls on the 10-minute cron.
export const hazchemCron: CronTask[] = [];
