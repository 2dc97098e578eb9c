import { z } from "zod";

// The centre's settings (TMS, inbound webhook, operator token), named as in the contracts'
// configuration table. Each network parses its own in src/carriers/<network>/settings.ts with
// `section()`: absent settings switch that network off and the rest keeps working.

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

export interface Config {
  tms: { apiUrl: string; clientId: string; clientSecret: string; webhookClientId: string; webhookSecret: string; ratePerSecond: number } | null;
  inbound: { user: string; password: string; signingSecret: string | null } | null;
  adminToken: string | null;
  /** RETENTION_DAYS: how long finished work, timelines, raw responses and files are kept. */
  retentionDays: number;
  /** Settings that are present but wrong, in plain words (never their values). */
  problems: string[];
}

export function section<T extends z.ZodTypeAny>(
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

export const DEFAULT_RETENTION_DAYS = 90;

function retentionDaysSetting(v: unknown, problems: string[]): number {
  if (v === undefined || v === null || (typeof v === "string" && v.trim() === "")) return DEFAULT_RETENTION_DAYS;
  const n = Number(v);
  if (Number.isInteger(n) && n >= 1) return n;
  problems.push(`RETENTION_DAYS must be a whole number of days (1 or more); using ${DEFAULT_RETENTION_DAYS}`);
  return DEFAULT_RETENTION_DAYS;
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
  const password = str("INBOUND_BASIC_PASSWORD");
  const config: Config = {
    tms: tms && {
      apiUrl: tms.TMS_API_URL,
      clientId: tms.TMS_CLIENT_ID,
      clientSecret: tms.TMS_CLIENT_SECRET,
      webhookClientId: tms.TMS_WEBHOOK_CLIENT_ID,
      webhookSecret: tms.TMS_WEBHOOK_SECRET,
      ratePerSecond: tms.TMS_RATE_PER_SECOND,
    },
    inbound: user && password ? { user, password, signingSecret: str("INBOUND_SIGNING_SECRET") } : null,
    adminToken: str("ADMIN_TOKEN"),
    retentionDays: retentionDaysSetting(raw.RETENTION_DAYS, problems),
    problems,
  };
  cache.set(env, config);
  return config;
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
