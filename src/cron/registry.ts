import type { CronTask } from "./tasks";

// Every network's scheduled pulls, in the order they run.
export const cronTasks: CronTask[] = [];
