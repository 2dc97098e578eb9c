import type { CronTask } from "../../engine";
import { importCycle } from "./import";
import { trackingCycle } from "./tracking";

// upn's pulls on the 10-minute cron. Tracking runs last so that, when it fails, its error (and
// the operator action) is what /healthz shows after the cycle, not the import's success.
export const upnImportTask: CronTask = { name: "upn.import", run: (env, db, pass) => importCycle(env, db, pass) };
export const upnTrackingTask: CronTask = { name: "upn.tracking", run: (env, db, pass) => trackingCycle(env, db, pass) };

export const upnCron: CronTask[] = [upnImportTask, upnTrackingTask];
