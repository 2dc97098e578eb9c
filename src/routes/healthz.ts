import { Hono } from "hono";
import { getConfig, NETWORKS, networkEnabled } from "../config";
import { db as openDb } from "../db/client";
import { readHealth } from "../lib/health";

// GET /healthz: each network's state. `enabled` follows the configuration; `last_error` is in
// plain words (with the partner's code) and clears after the next success.

export const healthz = new Hono<{ Bindings: Env }>();

export async function networkStates(env: Env) {
  const config = getConfig(env);
  const health = await readHealth(openDb(env));
  return Object.fromEntries(
    NETWORKS.map((n) => {
      const h = health.get(n);
      return [
        n,
        {
          enabled: networkEnabled(config, n),
          last_success_at: h?.lastSuccessAt ? new Date(h.lastSuccessAt).toISOString() : null,
          last_error: h?.lastError ? (h.lastErrorCode ? `${h.lastError} [${h.lastErrorCode}]` : h.lastError) : null,
          last_error_at: h?.lastErrorAt ? new Date(h.lastErrorAt).toISOString() : null,
          action: h?.action ?? null,
        },
      ];
    }),
  );
}

healthz.get("/", async (c) => {
  const config = getConfig(c.env);
  return c.json({ ok: true, tms: { enabled: config.tms !== null }, networks: await networkStates(c.env), config_problems: config.problems });
});
