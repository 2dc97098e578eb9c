import type { CronTask } from "../../engine";
import { pullStatusNotes } from "./notes";
import { sweepStaleWindows } from "./sweep";
import { importUpkeep } from "./import-notes";

// Palletways' pulls on the 10-minute cron, and the sweep of catch-up windows that stopped.
export const palletwaysCron: CronTask[] = [
  { name: "palletways.status-notes", run: pullStatusNotes },
  { name: "palletways.window-sweep", run: sweepStaleWindows },
  { name: "palletways.import-upkeep", run: importUpkeep },
];
