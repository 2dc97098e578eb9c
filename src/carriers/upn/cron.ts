import type { CronTask } from "../../cron/tasks";

// upn's pulls on the 10-minute cron.
export const upnCron: CronTask[] = [];
