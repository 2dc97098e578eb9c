import type { CronTask } from "../../cron/tasks";

// palletways's pulls on the 10-minute cron.
export const palletwaysCron: CronTask[] = [];
