// Alert receiver: a Slack/Mattermost-style incoming webhook that records what it is sent, so
// tests and `npm start` can see the connector's alerts (ALERT_WEBHOOK_URL). Like Slack's, the
// path carries the hook's secret; a POST elsewhere is refused.
import { createSimServer, text } from "./lib/http.mjs";

export const ALERT_HOOK_PATH = "/hooks/T0SANDBOX/B0ALERTS/sandbox-alert-secret";

export function createAlertsSim({ quiet }) {
  let alerts = [];
  return createSimServer({
    name: "alerts",
    quiet,
    bodyLimit: 1024 * 1024,
    routes: [
      ["POST", new RegExp(`^${ALERT_HOOK_PATH}$`), (ctx) => {
        const body = ctx.json();
        if (!body || typeof body.text !== "string" || body.text === "") return text(400, "invalid_payload");
        alerts.push({ text: body.text, content_type: ctx.headers["content-type"] ?? null, at: new Date().toISOString() });
        // Slack answers a bare "ok".
        return text(200, "ok");
      }],
      ["POST", /^\/hooks\//, () => text(404, "no_service")],
    ],
    getState: () => ({ alerts }),
    reset: () => {
      alerts = [];
    },
  });
}


