import type { MiddlewareHandler } from "hono";

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
    } catch {
      return c.json({ error: "invalid_json", message: "the body is not JSON", fields: [] }, 400);
    }
    await next();
  };
}
