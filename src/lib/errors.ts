// How a unit of work failed decides what happens next: a queue retry with backoff, a wait that
// is not a failure (partner limits, data not there yet), or a visible failure for an operator.

/** Worth trying again later (5xx, timeouts, resets). Counts as a failed attempt. */
export class TransientError extends Error {
  override name = "TransientError";
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** Trying again cannot help (4xx, bad data). Goes straight to the failures list. */
export class PermanentError extends Error {
  override name = "PermanentError";
  constructor(message: string, readonly code?: string, readonly action?: string) {
    super(message);
  }
}

/**
 * Not a failure: the work must wait (a partner's rate limit or ban, an order the TMS has not
 * created yet). It is retried after `retryAfterMs` without spending an attempt.
 */
export class DeferError extends Error {
  override name = "DeferError";
  constructor(message: string, readonly retryAfterMs: number) {
    super(message);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    // drizzle wraps D1 errors as "Failed query: <sql> params: <values>": the values can be
    // personal data (names, addresses) and the reason is in the cause.
    if (err.name === "DrizzleQueryError" || err.message.startsWith("Failed query:")) {
      const cause = (err as { cause?: unknown }).cause;
      return `database error: ${cause instanceof Error ? cause.message : "query failed"}`;
    }
    return err.message;
  }
  return String(err);
}

export function errorCode(err: unknown): string | undefined {
  if (err instanceof TransientError || err instanceof PermanentError) return err.code;
  return undefined;
}
