import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../config";
import { acquire } from "../engine";
import { partnerFetch, readJson, waitWords } from "../lib/http";
import { DeferError, errorMessage } from "../lib/errors";
import { log } from "../lib/log";
import { registerSecrets } from "../lib/secrets";
import { tmsLimit } from "../tms/limits";
import { tokenSchema } from "../tms/schemas";

// Qargo issues 5 tokens an hour, so one token is shared by every isolate: this single object
// (idFromName("qargo")) holds it, refreshes it once for everyone, and counts what it spends.

type TokenResult =
  | { ok: true; token: string; expiresAt: number }
  | { ok: false; retryAfterMs: number; message: string; permanent: boolean };

const HOURLY_BUDGET = 5;
const REFRESH_MARGIN_MS = 5 * 60_000;

interface Stored {
  token: string;
  expiresAt: number;
  issuedAt?: number;
}

export class TmsTokenCache extends DurableObject<Env> {
  private inflight: Promise<TokenResult> | null = null;

  async getToken(rejected?: string): Promise<TokenResult> {
    const stored = await this.ctx.storage.get<Stored>("token");
    const now = Date.now();
    const valid = stored && stored.expiresAt - REFRESH_MARGIN_MS > now;
    // A 401 on a token issued moments ago is about the request (an expired download link, a
    // missing permission), not the token: refreshing would only spend the hourly budget.
    const justIssued = stored && stored.issuedAt !== undefined && now - stored.issuedAt < 60_000;
    if (valid && (stored.token !== rejected || justIssued)) return { ok: true, token: stored.token, expiresAt: stored.expiresAt };
    // After a failure nobody tries again before the partner's Retry-After (or 30 s): every try
    // counts against the 5 an hour.
    const failed = await this.ctx.storage.get<{ retryAt: number; message: string; permanent: boolean }>("failure");
    if (failed && failed.retryAt > now) return { ok: false, retryAfterMs: failed.retryAt - now, message: failed.message, permanent: failed.permanent };
    // Many callers arrive at once when a token expires; only one fetches.
    this.inflight ??= this.fetchToken()
      .then(async (r) => {
        if (r.ok) await this.ctx.storage.delete("failure");
        else await this.ctx.storage.put("failure", { retryAt: Date.now() + Math.max(r.retryAfterMs, r.permanent ? 60_000 : 30_000), message: r.message, permanent: r.permanent });
        return r;
      })
      .finally(() => (this.inflight = null));
    return this.inflight;
  }

  /** Tokens issued in the last hour (for tests and the console). */
  async issuedLastHour(): Promise<number> {
    const issued = (await this.ctx.storage.get<number[]>("issued")) ?? [];
    return issued.filter((t) => t > Date.now() - 3_600_000).length;
  }

  private async fetchToken(): Promise<TokenResult> {
    registerSecrets(this.env as unknown as Record<string, unknown>);
    const cfg = getConfig(this.env).tms;
    if (!cfg) return { ok: false, retryAfterMs: 0, message: "the TMS is not configured", permanent: true };
    const issued = ((await this.ctx.storage.get<number[]>("issued")) ?? []).filter((t) => t > Date.now() - 3_600_000);
    if (issued.length >= HOURLY_BUDGET) {
      const wait = issued[0]! + 3_600_000 - Date.now();
      return { ok: false, retryAfterMs: wait, message: `TMS token budget (${HOURLY_BUDGET} an hour) spent; next token in ${Math.ceil(wait / 60000)} min`, permanent: false };
    }
    const started = Date.now();
    try {
      await acquire(this.env, tmsLimit(cfg.ratePerSecond));
      issued.push(Date.now());
      await this.ctx.storage.put("issued", issued);
      const how = { partner: "the TMS", what: "tms.token", unreachableCode: "TMS_UNREACHABLE", defaultWaitMs: 60_000, timeoutMs: 30_000 };
      const answer = await partnerFetch(`${cfg.apiUrl}/v1/auth/token`, {
        method: "POST",
        headers: { authorization: `Basic ${btoa(`${cfg.clientId}:${cfg.clientSecret}`)}`, accept: "application/json", "content-type": "application/json" },
      }, how);
      if (answer.kind === "slow_down") {
        return { ok: false, retryAfterMs: answer.wait.ms, message: `the TMS token endpoint answered 429; next try in ${waitWords(answer.wait)}`, permanent: false };
      }
      if (answer.kind === "refused") {
        if (answer.status === 401 || answer.status === 403) {
          return { ok: false, retryAfterMs: 0, message: `the TMS refused our API credentials (${answer.status}); check TMS_CLIENT_ID and TMS_CLIENT_SECRET`, permanent: true };
        }
        return { ok: false, retryAfterMs: 30_000, message: `the TMS token endpoint answered ${answer.status}`, permanent: false };
      }
      const body = tokenSchema.parse(await readJson(answer.res, how));
      const expiresAt = Date.now() + (body.expires_in ?? 3600) * 1000;
      await this.ctx.storage.put("token", { token: body.access_token, expiresAt, issuedAt: Date.now() } satisfies Stored);
      log({ network: "tms", step: "tms.token", outcome: "ok", ms: Date.now() - started, issued_last_hour: issued.length });
      return { ok: true, token: body.access_token, expiresAt };
    } catch (err) {
      const wait = err instanceof DeferError ? err.retryAfterMs : 30_000;
      log({ network: "tms", step: "tms.token", outcome: "error", ms: Date.now() - started, error: errorMessage(err) });
      return { ok: false, retryAfterMs: wait, message: `could not get a TMS token: ${errorMessage(err)}`, permanent: false };
    }
  }
}
