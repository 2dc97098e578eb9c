import { getConfig } from "../config";
import { db as openDb } from "../db/client";
import { carriers, networkEnabled } from "../carriers";
import { readHealth } from "../lib/health";

// Each network's state for /healthz and the console. `enabled` follows the configuration;
// `last_error` is in plain words (with the partner's code) and clears after the next success.

export async function networkStates(env: Env) {
  const health = await readHealth(openDb(env));
  return Object.fromEntries(
    carriers().map(({ network: n }) => {
      const h = health.get(n);
      return [
        n,
        {
          enabled: networkEnabled(env, n),
          last_success_at: h?.lastSuccessAt ? new Date(h.lastSuccessAt).toISOString() : null,
          last_error_code: h?.lastErrorCode ?? null,
          last_error: h?.lastError ? (h.lastErrorCode ? `${h.lastError} [${h.lastErrorCode}]` : h.lastError) : null,
          last_error_at: h?.lastErrorAt ? new Date(h.lastErrorAt).toISOString() : null,
          action: h?.action ?? null,
        },
      ];
    }),
  );
}


/** Settings that are present but wrong, in plain words (never their values): the centre's and every network's. */
export function configProblems(env: Env): string[] {
  return [...getConfig(env).problems, ...carriers().flatMap((c) => c.settings(env).problems)];
}
