import { Hono } from "hono";
import { getConfig } from "../config";
import { networkStates } from "../read/health";

// GET /healthz: public, so it says what is wrong in our words, never a partner's raw text, a
// document's name or a configuration problem (those are for signed-in eyes: GET /api/health
// and the console).

export const healthz = new Hono<{ Bindings: Env }>();

healthz.get("/", async (c) => {
  const config = getConfig(c.env);
  return c.json({ ok: true, tms: { enabled: config.tms !== null }, networks: await networkStates(c.env, { public: true }) });
});
