// The job engine: work as D1 rows run by the queue consumer and the cron, with the timeline,
// network health, alerts, retention and the partner limiter around it. The one door to it:
// the rest of the project imports from here. It imports no network and nothing of the TMS;
// the Worker hands it the declared jobs (src/queues/consumer.ts) and the cron's tasks (src/cron/).

export { defineJob, type AnyJobDefinition, type JobContext, type JobDefinition, type JobHandler, type JobResult, type JobTarget, type NewJob } from "./define";
export {
  DEFAULT_MAX_ATTEMPTS, MAX_CRASHES, STALE_RUNNING_MS, enqueue, jobWrite, newJobRow, queueJobs, redriveStuckJobs, replayJob, sendJobs,
  type JobMessage, type JobRow, type JobRowSpec, type JobWrite, type Statement,
} from "./jobs";
export { backoffSeconds, handleDeadLetters, handleJobBatch, runJob, type JobCatalog } from "./consumer";
export { redriveTask, runTasks, type CronTask, type ScheduledTask } from "./scheduler";
export { recordTimeline, timelineInserts, timelineValues, type TimelineEntry, type TimelineKind, type TimelineOutcome } from "./timeline";
export { markError, markSuccess, readHealth } from "./health";
export { ALERT_EVERY_MS, MAX_ALERT_ATTEMPTS, alertKey, alertText, raiseAlert, sweepAlerts, workStopped, type Alert, type AlertKind, type AlertOutcome } from "./alerts";
export {
  BATCH as RETENTION_BATCH, databaseSize, deleteInRounds, lastRetention, retentionDays, retentionPass, runRetentionIfDue,
  type RetentionCounts, type RetentionResult,
} from "./retention";
export { MAX_INLINE_WAIT_MS, acquire, limiterStub, pausePartner, type Limit } from "./limiter";
export { cursor, LEASE_MS, PASS_BUDGET_MS, PULL_STALE_MS, pullStates, withLease, type Cursor, type LeaseResult, type PullPass, type PullState } from "./pulls";
