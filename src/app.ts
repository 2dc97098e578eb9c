import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { carriers } from "./carriers";
import { api } from "./routes/api";
import { healthz } from "./routes/healthz";
import { ops } from "./routes/ops";
import { tmsWebhook } from "./routes/webhooks-tms";
import { tmsDispatchWebhook } from "./routes/webhooks-tms-dispatch";
import { registerSecrets } from "./lib/secrets";
import { log } from "./lib/log";
import { errorMessage } from "./lib/errors";

// strict: false so "/ops/" is "/ops": people type trailing slashes.
export const app = new Hono<{ Bindings: Env }>({ strict: false });

app.use("*", async (c, next) => {
  registerSecrets(c.env as unknown as Record<string, unknown>);
  await next();
});

app.get("/", (c) => c.text(`palletbridge: TMS ↔ ${carriers().map((x) => x.label).join(", ")}. See /healthz and /ops.\n`));
app.route("/healthz", healthz);
app.route("/webhooks/tms/dispatch", tmsDispatchWebhook);
app.route("/webhooks/tms", tmsWebhook);
app.route("/api", api);
app.route("/ops", ops);

app.notFound((c) => c.json({ error: "not_found", message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
app.onError((err, c) => {
  // Middleware that refuses by throwing (Hono's csrf(): 403) carries its own answer.
  if (err instanceof HTTPException) return err.getResponse();
  // Never a bare 500 with a stack: log it (redacted) and answer in plain words.
  log({ step: "http", outcome: "error", error: errorMessage(err), path: new URL(c.req.url).pathname });
  return c.json({ error: "internal_error", message: "something went wrong on our side; it has been logged" }, 500);
});
