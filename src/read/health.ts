import { getConfig } from "../config";
import { db as openDb } from "../db/client";
import { carriers, networkEnabled } from "../carriers";
import { pullStates, readHealth } from "../engine";

// Each network's state for /healthz and the console. `enabled` follows the configuration;
// `last_error` is in plain words (with the partner's code) and clears after the next success.
// The public /healthz gets only our own words: stored messages can quote what a partner
// answered (up to a few hundred characters after a colon), which is for signed-in eyes only.

const PUBLIC_MESSAGE_MAX = 160;

/**
 * Our words before any quoted partner text, plus the partner's code when it is a plain code.
 * Document names reach messages (a TMS document's name, a photo's file name): anything quoted
 * and anything shaped like a file name (`IMG_0001.jpg`) is cut out, so the public page never
 * repeats what someone typed into the TMS.
 */
export function publicError(message: string, code: string | null): string {
  const cut = message.search(/[:;\n]/);
  let words = (cut >= 0 ? message.slice(0, cut) : message)
    .replace(/"[^"]*"?|“[^”]*”?|'[^'\s][^']*'|«[^»]*»?/g, "…")
    .replace(/[^\s"“”'«»]*\.[A-Za-z0-9]{1,5}(?=[\s,)]|$)/g, "…")
    .replace(/\s+/g, " ")
    .trim();
  if (words.length > PUBLIC_MESSAGE_MAX) words = `${words.slice(0, PUBLIC_MESSAGE_MAX - 1)}…`;
  const safeCode = code && /^[A-Za-z0-9_.-]{1,40}$/.test(code) ? code : null;
  return safeCode ? `${words} [${safeCode}]` : words;
}

export async function networkStates(env: Env, opts: { public?: boolean } = {}) {
  const db = openDb(env);
  const now = Date.now();
  const [health, pulls] = await Promise.all([readHealth(db), pullStates(db, now)]);
  return Object.fromEntries(
    carriers().map(({ network: n }) => {
      const h = health.get(n);
      // Each scheduled pull's last success and its age (rule 12): a cron that died shows here.
      const own = Object.fromEntries(
        pulls
          .filter((p) => p.pull.startsWith(`${n}.`))
          .map((p) => [p.pull, { last_success_at: p.lastSuccessAt ? new Date(p.lastSuccessAt).toISOString() : null, age_minutes: p.ageMinutes, stale: p.stale }]),
      );
      const code = h?.lastErrorCode ?? null;
      const full = h?.lastError ? (code ? `${h.lastError} [${code}]` : h.lastError) : null;
      return [
        n,
        {
          enabled: networkEnabled(env, n),
          last_success_at: h?.lastSuccessAt ? new Date(h.lastSuccessAt).toISOString() : null,
          last_error_code: opts.public && code && !/^[A-Za-z0-9_.-]{1,40}$/.test(code) ? null : code,
          last_error: h?.lastError ? (opts.public ? publicError(h.lastError, code) : full) : null,
          last_error_at: h?.lastErrorAt ? new Date(h.lastErrorAt).toISOString() : null,
          action: h?.action ?? null,
          pulls: own,
        },
      ];
    }),
  );
}


/** Settings that are present but wrong, in plain words (never their values): the centre's and every network's. */
export function configProblems(env: Env): string[] {
  return [...getConfig(env).problems, ...carriers().flatMap((c) => c.settings(env).problems)];
}
