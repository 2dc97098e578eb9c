import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "../../lib/bytes";
import { log } from "../../lib/log";
import { clientOf, lockedFor, lockedMessage, retryAfterSeconds, wrongCredential, type GuardedRoute } from "../guess-guard";

// HTTP Basic auth for a partner calling us (the TMS webhook). Both halves are always compared,
// so the time taken says nothing about whether the user name alone was right, and wrong
// credentials count towards the guessing lock (contracts rule 10).

/** `passwords`: one, or two while it is being rotated (either is accepted). */
export type BasicCredentials = { user: string; passwords: string[] };

/** true only when both halves match; never decides on the user name alone. */
export function basicMatches(header: string | undefined | null, expected: BasicCredentials): boolean {
  const m = /^Basic\s+(.+)$/i.exec(header ?? "");
  let user = "";
  let password = "";
  let parsed = false;
  if (m) {
    try {
      const decoded = new TextDecoder().decode(Uint8Array.from(atob(m[1]!.trim()), (ch) => ch.charCodeAt(0)));
      const i = decoded.indexOf(":");
      if (i >= 0) {
        user = decoded.slice(0, i);
        password = decoded.slice(i + 1);
        parsed = true;
      }
    } catch {
      parsed = false;
    }
  }
  const userOk = timingSafeEqual(user, expected.user);
  let passwordOk = false;
  for (const p of expected.passwords) passwordOk = timingSafeEqual(password, p) || passwordOk;
  return parsed && userOk && passwordOk;
}

/**
 * `credentials(env)` gives what the caller must send, or a 503 message naming the setting that
 * is missing; `route` names the lock bucket.
 */
export function basicAuth(opts: {
  route: GuardedRoute;
  step: string;
  credentials: (env: Env) => BasicCredentials | { problem: string };
}): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const expected = opts.credentials(c.env);
    if ("problem" in expected) return c.json({ error: "not_configured", message: expected.problem }, 503);
    const client = clientOf(c.req.raw.headers);
    const wait = await lockedFor(c.env, opts.route, client);
    if (wait > 0) {
      log({ step: opts.step, outcome: "error", error: "refused: locked after too many wrong credentials" });
      return c.json({ error: "too_many_attempts", message: lockedMessage(wait) }, 429, { "retry-after": retryAfterSeconds(wait) });
    }
    if (!basicMatches(c.req.header("authorization"), expected)) {
      await wrongCredential(c.env, opts.route, client);
      log({ step: opts.step, outcome: "error", error: "bad or missing Basic credentials" });
      return c.json({ error: "unauthorized", message: "Basic credentials missing or wrong" }, 401, { "www-authenticate": 'Basic realm="palletbridge"' });
    }
    await next();
  };
}
