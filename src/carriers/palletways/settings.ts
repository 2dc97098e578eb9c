import { z } from "zod";
import { networkSettings, positiveInt, text, url } from "../../config";
import { importSettings, importSettingsSchema } from "./import-settings";

// Palletways' settings (contracts README, configuration table).

const schema = z.object({
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
  ...importSettingsSchema,
});

export const readPalletwaysSettings = networkSettings(
  "Palletways",
  ["PALLETWAYS_API_URL", "PALLETWAYS_PORTAL_URL", "PALLETWAYS_API_KEY"],
  schema,
  (v) => ({
    apiUrl: v.PALLETWAYS_API_URL,
    portalUrl: v.PALLETWAYS_PORTAL_URL,
    apiKey: v.PALLETWAYS_API_KEY,
    ratePerMinute: v.PALLETWAYS_RATE_PER_MINUTE,
    catchupScheduleS: v.PALLETWAYS_CATCHUP_SCHEDULE_S,
    ftpUrl: v.PALLETWAYS_FTP_URL || null,
    import: importSettings(v),
  }),
);

export const palletwaysSettings = (env: Env) => readPalletwaysSettings(env).value;
