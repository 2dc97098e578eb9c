import type { CronTask } from "../../cron/tasks";
import { pullStatusNotes } from "./notes";

// Palletways' pulls on the 10-minute cron.
export const palletwaysCron: CronTask[] = [{ name: "palletways.status-notes", network: "palletways", run: pullStatusNotes }];
