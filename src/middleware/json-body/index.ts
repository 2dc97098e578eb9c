import type { Context, MiddlewareHandler } from "hono";

// Hono's validators read a JSON body only when it is declared as JSON, and answer a body that
// does not parse with a bare exception. This puts both answers in our words before a validator
// runs: 415 for another media type, 400 `invalid_json` (with an empty `fields`, as every 400 of
// ours names the fields) for a body that is not JSON. The parsed body stays cached by Hono, so
// the validator after it does not parse it again.

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

export function jsonBody(): MiddlewareHandler {
  return async (c, next) => {
    const media = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
    if (!JSON_MEDIA.test(media)) {
      return c.json({ error: "unsupported_media_type", message: "send the body as application/json" }, 415);
    }
    try {
      await c.req.json();
    } catch (err) {
      // Only a parse failure is the sender's bad JSON; a body that could not be read at all is
      // not, and goes to whoever handles that error.
      if (!(err instanceof SyntaxError)) throw err;
      return c.json({ error: "invalid_json", message: "the body is not JSON", fields: [] }, 400);
    }
    await next();
  };
}

type Issue = { path: readonly PropertyKey[]; message: string; code?: string };

/** zod issues as our 400s name them: `{path: "events.0.timestamp", message}`. */
export function fieldIssues(issues: readonly Issue[]): { path: string; message: string }[] {
  return issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

/**
 * The failure hook for `zValidator("json", schema, hook)`: 400 `invalid_body` with `message`
 * (or the words it picks for these issues) and the failing fields; nothing when valid.
 */
export function invalidBody(message: string | ((issues: readonly Issue[]) => string)) {
  return (result: { success: true } | { success: false; error: { issues: readonly Issue[] } }, c: Context) => {
    if (result.success) return;
    const { issues } = result.error;
    return c.json({ error: "invalid_body", message: typeof message === "string" ? message : message(issues), fields: fieldIssues(issues) }, 400);
  };
}
