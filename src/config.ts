import { z } from "zod";

// The Worker's settings, named as in the contracts' configuration table. A network whose
// settings are absent is switched off; the rest keeps working.

export type Network = "palletways" | "upn" | "hazchem";
export const NETWORKS: Network[] = ["palletways", "upn", "hazchem"];

const text = z.string().trim().min(1);
const url = z
  .string()
  .trim()
  .url()
  .transform((u) => u.replace(/\/+$/, ""));
const positiveInt = (def: number) =>
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

const palletwaysSchema = z.object({
  PALLETWAYS_API_URL: url,
  PALLETWAYS_PORTAL_URL: url,
  PALLETWAYS_API_KEY: text,
  PALLETWAYS_RATE_PER_MINUTE: positiveInt(90),
  PALLETWAYS_CATCHUP_SCHEDULE_S: z
    .preprocess((v) => (v === undefined || v === "" ? "0,60,180,420,900" : v), z.string())
    .transform((s, ctx) => {
      const offsets = s.split(",").map((p) => Number(p.trim()));
      if (offsets.some((n) => !Number.isInteger(n) || n < 0)) {
        ctx.addIssue({ code: "custom", message: "must be comma-separated whole seconds" });
        return z.NEVER;
      }
      return [...new Set(offsets)].sort((a, b) => a - b);
    }),
  PALLETWAYS_FTP_URL: z.string().trim().optional(),
});

const upnSchema = z.object({ UPN_API_URL: url, UPN_API_KEY: text, UPN_DEPOT: text });
const hazchemSchema = z.object({
  HAZCHEM_API_URL: url,
  HAZCHEM_API_KEY: text,
  HAZCHEM_DEPOT: text,
  HAZCHEM_MAX_UPLOAD_BYTES: positiveInt(1_000_000),
});

export interface Config {
  tms: { apiUrl: string; clientId: string; clientSecret: string; webhookClientId: string; webhookSecret: string; ratePerSecond: number } | null;
  inbound: { user: string; password: string; signingSecret: string | null } | null;
  adminToken: string | null;
  palletways: { apiUrl: string; portalUrl: string; apiKey: string; ratePerMinute: number; catchupScheduleS: number[]; ftpUrl: string | null } | null;
  upn: { apiUrl: string; apiKey: string; depot: string } | null;
  hazchem: { apiUrl: string; apiKey: string; depot: string; maxUploadBytes: number } | null;
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

const cache = new WeakMap<object, Config>();

export function getConfig(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const raw = env as unknown as Record<string, unknown>;
  const problems: string[] = [];
  const tms = section(raw, ["TMS_API_URL", "TMS_CLIENT_ID", "TMS_CLIENT_SECRET", "TMS_WEBHOOK_CLIENT_ID", "TMS_WEBHOOK_SECRET"], tmsSchema, problems, "TMS");
  const pw = section(raw, ["PALLETWAYS_API_URL", "PALLETWAYS_PORTAL_URL", "PALLETWAYS_API_KEY"], palletwaysSchema, problems, "Palletways");
  const upn = section(raw, ["UPN_API_URL", "UPN_API_KEY", "UPN_DEPOT"], upnSchema, problems, "UPN");
  const hz = section(raw, ["HAZCHEM_API_URL", "HAZCHEM_API_KEY", "HAZCHEM_DEPOT"], hazchemSchema, problems, "Hazchem");
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
    palletways: pw && {
      apiUrl: pw.PALLETWAYS_API_URL,
      portalUrl: pw.PALLETWAYS_PORTAL_URL,
      apiKey: pw.PALLETWAYS_API_KEY,
      ratePerMinute: pw.PALLETWAYS_RATE_PER_MINUTE,
      catchupScheduleS: pw.PALLETWAYS_CATCHUP_SCHEDULE_S,
      ftpUrl: pw.PALLETWAYS_FTP_URL || null,
    },
    upn: upn && { apiUrl: upn.UPN_API_URL, apiKey: upn.UPN_API_KEY, depot: upn.UPN_DEPOT },
    hazchem: hz && {
      apiUrl: hz.HAZCHEM_API_URL,
      apiKey: hz.HAZCHEM_API_KEY,
      depot: hz.HAZCHEM_DEPOT,
      maxUploadBytes: hz.HAZCHEM_MAX_UPLOAD_BYTES,
    },
    problems,
  };
  cache.set(env, config);
  return config;
}

export function networkEnabled(config: Config, network: Network): boolean {
  // Every network delivers into the TMS, so none runs without it.
  return config.tms !== null && config[network] !== null;
}
