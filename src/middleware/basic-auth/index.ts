import type { Context, MiddlewareHandler } from "hono";
import { timingSafeEqual } from "../../lib/bytes";
import { log } from "../../lib/log";
import { beginAttempt, clientOf, lockedMessage, retryAfterSeconds, type GuardedRoute } from "../guess-guard";

// HTTP Basic auth for a partner calling us (the TMS webhook). Both halves are always compared,
// so the time taken says nothing about whether the user name alone was right. Every attempt is
// counted towards the guessing lock before the comparison, per client and user name sent
// (contracts rule 10); a right one is taken back off the count.

/** `passwords`: one, or two while it is being rotated (either is accepted). */
export type BasicCredentials = { user: string; passwords: string[] };

/** true only when both halves match; never decides on the user name alone. */
export function basicMatches(header: string | undefined | null, expected: BasicCredentials): boolean {
  const { user, password, parsed } = basicParts(header);
  const userOk = timingSafeEqual(user, expected.user);
  let passwordOk = false;
  for (const p of expected.passwords) passwordOk = timingSafeEqual(password, p) || passwordOk;
  return parsed && userOk && passwordOk;
}

/** The user name and password sent; `parsed` is false when the header is not Basic credentials. */
export function basicParts(header: string | undefined | null): { user: string; password: string; parsed: boolean } {
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
  return { user, password, parsed };
}

/**
 * `credentials(env)` gives what the caller must send, or a 503 message naming the setting that
 * is missing; `route` names the lock bucket. `stronger(c)`, asked only while the caller is
 * locked, says whether the request carries a credential the lock must not stand in front of (a
 * verifying webhook signature): such a request still needs the right Basic credentials, but is
 * neither refused by the lock nor counted.
 */
export function basicAuth(opts: {
  route: GuardedRoute;
  step: string;
  credentials: (env: Env) => BasicCredentials | { problem: string };
  stronger?: (c: Context<{ Bindings: Env }>) => Promise<boolean>;
}): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const expected = opts.credentials(c.env);
    if ("problem" in expected) return c.json({ error: "not_configured", message: expected.problem }, 503);
    const header = c.req.header("authorization");
    const unauthorized = () => c.json({ error: "unauthorized", message: "Basic credentials missing or wrong" }, 401, { "www-authenticate": 'Basic realm="palletbridge"' });
    const begun = await beginAttempt(c.env, opts.route, clientOf(c.req.raw.headers), basicParts(header).user);
    if (!begun.ok) {
      if (opts.stronger && (await opts.stronger(c))) {
        if (basicMatches(header, expected)) return next();
        log({ step: opts.step, outcome: "error", error: "bad or missing Basic credentials (signed request)" });
        return unauthorized();
      }
      log({ step: opts.step, outcome: "error", error: "refused: locked after too many wrong credentials" });
      return c.json({ error: "too_many_attempts", message: lockedMessage(begun.waitMs) }, 429, { "retry-after": retryAfterSeconds(begun.waitMs) });
    }
    if (!basicMatches(header, expected)) {
      await begun.attempt.wrong();
      log({ step: opts.step, outcome: "error", error: "bad or missing Basic credentials" });
      return unauthorized();
    }
    // The outcome is reported beside the work, not before it: a right credential must not wait
    // for the bookkeeping (an attempt still shown as "being compared" only makes others wait).
    const settled = begun.attempt.right().catch(() => undefined);
    try {
      c.executionCtx.waitUntil(settled);
    } catch {
      await settled; // no execution context (app.request in a script)
    }
    await next();
  };
}
