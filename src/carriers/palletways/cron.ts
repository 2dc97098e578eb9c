import type { CronTask } from "../carrier";
import { pullStatusNotes } from "./notes";

// Palletways' pulls on the 10-minute cron.
export const palletwaysCron: CronTask[] = [{ name: "palletways.status-notes", run: pullStatusNotes }];
