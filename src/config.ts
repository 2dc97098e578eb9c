import { z } from "zod";

// The centre's settings (TMS, inbound webhook, operator token), named as in the contracts'
// configuration table. Each network parses its own in src/carriers/<network>/settings.ts with
// `networkSettings()`: absent settings switch that network off and the rest keeps working.

export const text = z.string().trim().min(1);
export const url = z
  .string()
  .trim()
  .url()
  .transform((u) => u.replace(/\/+$/, ""));
export const positiveInt = (def: number) =>
  z.preprocess((v) => (v === undefined || v === "" ? def : Number(v)), z.number().int().positive());

function present(env: Record<string, unknown>, names: string[]): boolean {
  return names.every((n) => typeof env[n] === "string" && (env[n] as string).trim() !== "");
}

const tmsSchema = z.object({
  TMS_API_URL: url,
  TMS_CLIENT_ID: text,
  TMS_CLIENT_SECRET: text,
  TMS_WEBHOOK_CLIENT_ID: text,
  TMS_WEBHOOK_SECRET: text,
  TMS_RATE_PER_SECOND: positiveInt(2),
});

/** Below this, ADMIN_TOKEN signs nobody in and INBOUND_BASIC_PASSWORD is reported as weak (contracts rule 10). */
export const MIN_SECRET_LENGTH = 16;

export interface Config {
  tms: {
    apiUrl: string;
    clientId: string;
    clientSecret: string;
    webhookClientId: string;
    webhookSecret: string;
    ratePerSecond: number;
    /** TMS_DOWNLOAD_HOSTS: hosts a download_url may name besides TMS_API_URL's, fetched without credentials. */
    downloadHosts: string[];
  } | null;
  inbound: {
    user: string;
    /**
     * INBOUND_BASIC_PASSWORD, one password per line: two lines (old and new) let Qargo's side be
     * switched over at leisure during a rotation, so no webhook is refused (docs/SECURITY.md).
     */
    passwords: string[];
    /** INBOUND_SIGNING_SECRET, space-separated `whsec_` secrets: a signature under any of them is accepted. */
    signingSecrets: string[];
    /** Set when INBOUND_SIGNING_SECRET is present but not `whsec_<base64>`: webhooks answer 503 naming it. */
    signingSecretProblem: string | null;
  } | null;
  adminToken: string | null;
  /** Set when ADMIN_TOKEN is present but too short to be used: nobody signs in, and this says why. */
  adminTokenProblem: string | null;
  /** ALERT_WEBHOOK_URL (a secret: never logged) and PUBLIC_URL (for links in alerts); null = unset. */
  alerts: { webhookUrl: string | null; publicUrl: string | null };
  /** RETENTION_DAYS: how long finished work, timelines, raw responses and files are kept. */
  retentionDays: number;
  /** Settings that are present but wrong, in plain words (never their values). */
  problems: string[];
}

function section<T extends z.ZodTypeAny>(
  env: Record<string, unknown>,
  required: string[],
  schema: T,
  problems: string[],
  label: string,
): z.output<T> | null {
  if (!present(env, required)) return null;
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    problems.push(`${label}: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
    return null;
  }
  return parsed.data;
}

/** An optional http(s) URL setting; a wrong one is named in `problems` (never its value) and treated as unset. */
function optionalUrl(v: string | null, name: string, problems: string[]): string | null {
  if (v === null) return null;
  const parsed = url.safeParse(v);
  if (parsed.success && /^https?:\/\//i.test(parsed.data)) return parsed.data;
  problems.push(`${name} is not an http(s) URL`);
  return null;
}

export const DEFAULT_RETENTION_DAYS = 90;

function retentionDaysSetting(v: unknown, problems: string[]): number {
  if (v === undefined || v === null || (typeof v === "string" && v.trim() === "")) return DEFAULT_RETENTION_DAYS;
  const n = Number(v);
  if (Number.isInteger(n) && n >= 1) return n;
  problems.push(`RETENTION_DAYS must be a whole number of days (1 or more); using ${DEFAULT_RETENTION_DAYS}`);
  return DEFAULT_RETENTION_DAYS;
}

/** TMS_DOWNLOAD_HOSTS as host names: "a.example, B.example" → ["a.example", "b.example"]. */
function parseDownloadHosts(raw: unknown): string[] {
  if (typeof raw !== "string") return [];
  return raw
    .split(",")
    .map((h) => h.trim().toLowerCase().replace(/\.$/, ""))
    .filter(Boolean);
}

const cache = new WeakMap<object, Config>();

export function getConfig(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const raw = env as unknown as Record<string, unknown>;
  const problems: string[] = [];
  const tms = section(raw, ["TMS_API_URL", "TMS_CLIENT_ID", "TMS_CLIENT_SECRET", "TMS_WEBHOOK_CLIENT_ID", "TMS_WEBHOOK_SECRET"], tmsSchema, problems, "TMS");
  const str = (n: string) => (typeof raw[n] === "string" && (raw[n] as string).trim() !== "" ? (raw[n] as string) : null);
  const user = str("INBOUND_BASIC_USER");
  const passwords = (str("INBOUND_BASIC_PASSWORD") ?? "").split(/\r?\n/).filter((p) => p.trim() !== "");
  const signingSecrets = (str("INBOUND_SIGNING_SECRET") ?? "").split(/\s+/).filter(Boolean);
  const signingSecretProblem = signingSecrets.some((s) => !validSigningSecret(s))
    ? "INBOUND_SIGNING_SECRET is not a Standard Webhooks secret (whsec_ followed by base64): every webhook is refused with 503 until it is fixed or removed"
    : null;
  if (signingSecretProblem) problems.push(signingSecretProblem);
  if (user && passwords.some((p) => p.length < MIN_SECRET_LENGTH)) {
    problems.push(`INBOUND_BASIC_PASSWORD is shorter than ${MIN_SECRET_LENGTH} characters: weak, but webhooks are still accepted; replace it (see docs/SECURITY.md)`);
  }
  const adminToken = str("ADMIN_TOKEN");
  const adminTokenProblem = adminToken && adminToken.trim().length < MIN_SECRET_LENGTH
    ? `ADMIN_TOKEN is shorter than ${MIN_SECRET_LENGTH} characters, so nobody can sign in: set a longer one with wrangler secret put ADMIN_TOKEN`
    : null;
  if (adminTokenProblem) problems.push(adminTokenProblem);
  const config: Config = {
    tms: tms && {
      apiUrl: tms.TMS_API_URL,
      clientId: tms.TMS_CLIENT_ID,
      clientSecret: tms.TMS_CLIENT_SECRET,
      webhookClientId: tms.TMS_WEBHOOK_CLIENT_ID,
      webhookSecret: tms.TMS_WEBHOOK_SECRET,
      ratePerSecond: tms.TMS_RATE_PER_SECOND,
      downloadHosts: parseDownloadHosts(raw.TMS_DOWNLOAD_HOSTS),
    },
    inbound: user && passwords.length ? { user, passwords, signingSecrets, signingSecretProblem } : null,
    adminToken,
    adminTokenProblem,
    alerts: { webhookUrl: optionalUrl(str("ALERT_WEBHOOK_URL"), "ALERT_WEBHOOK_URL", problems), publicUrl: optionalUrl(str("PUBLIC_URL"), "PUBLIC_URL", problems) },
    retentionDays: retentionDaysSetting(raw.RETENTION_DAYS, problems),
    problems,
  };
  cache.set(env, config);
  return config;
}

function validSigningSecret(secret: string): boolean {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!m) return false;
  try {
    return atob(m[1]!).length > 0;
  } catch {
    return false;
  }
}

/**
 * A network's own settings reader: parsed once per env; `value` is null when the settings are
 * absent (switched off) or wrong (then `problems` names the setting, never its value).
 */
export function networkSettings<T extends z.ZodTypeAny, R>(label: string, required: string[], schema: T, map: (v: z.output<T>) => R) {
  const cache = new WeakMap<object, { value: R | null; problems: string[] }>();
  return (env: Env): { value: R | null; problems: string[] } => {
    let hit = cache.get(env);
    if (!hit) {
      const problems: string[] = [];
      const parsed = section(env as unknown as Record<string, unknown>, required, schema, problems, label);
      hit = { value: parsed === null ? null : map(parsed), problems };
      cache.set(env, hit);
    }
    return hit;
  };
}
