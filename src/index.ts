import { app } from "./app";
import { runScheduled } from "./cron";
import type { JobMessage } from "./engine";
import { handleDeadLetters, handleJobBatch } from "./queues/consumer";
import { registerSecrets } from "./lib/secrets";

export { RateLimiter } from "./durable/rate-limiter";
export { TmsTokenCache } from "./durable/tms-token";
export { PalletwaysWindow } from "./carriers";

export default {
  fetch: app.fetch,

  async scheduled(_controller, env, ctx) {
    registerSecrets(env as unknown as Record<string, unknown>);
    ctx.waitUntil(runScheduled(env));
  },

  async queue(batch, env) {
    registerSecrets(env as unknown as Record<string, unknown>);
    if (batch.queue.endsWith("-dlq")) return handleDeadLetters(batch, env);
    return handleJobBatch(batch, env);
  },
} satisfies ExportedHandler<Env, JobMessage>;
