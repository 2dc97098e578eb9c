import { z } from "zod";
import { networkSettings, positiveInt, text, url } from "../../config";

// Palletforce's settings (contracts README and palletforce.md). URL, access key and depot switch
// the network on; PALLETFORCE_ACCOUNT is needed for bookings only (without it a dispatch is
// answered NOT_SUPPORTED, and tracking and import still run).

/**
 * `KEY=VALUE` pairs separated by commas. Values may hold spaces (Palletforce's service names
 * are "NEXT DAY", "ECONOMY"); keys are compared in upper case.
 */
export function parsePairs(raw: string, example: string): { map: Record<string, string> } | { problem: string } {
  const map: Record<string, string> = {};
  for (const part of raw.split(",")) {
    const entry = part.trim();
    if (!entry) continue;
    const m = /^([^=]+?)\s*=\s*([^=]+)$/.exec(entry);
    if (!m || !m[1]!.trim() || !m[2]!.trim()) return { problem: `must be KEY=VALUE pairs separated by commas (e.g. ${example}); “${entry.slice(0, 40)}” is not` };
    const key = m[1]!.trim().toUpperCase();
    const value = m[2]!.trim();
    if (map[key] !== undefined && map[key] !== value) return { problem: `maps ${key} twice` };
    map[key] = value;
  }
  return { map };
}

const pairs = (example: string) =>
  z
    .preprocess((v) => (v === undefined || v === null ? "" : v), z.string())
    .transform((s, ctx) => {
      const r = parsePairs(s, example);
      if ("problem" in r) {
        ctx.addIssue({ code: "custom", message: r.problem });
        return z.NEVER;
      }
      return r.map;
    });

/** Palletforce's pallet types (palletforce.md); anything else in PALLETFORCE_PALLET_TYPES is a typo. */
export const PALLET_TYPES = ["FULL", "HALF", "QUARTER", "MICRO", "OVERSIZE"] as const;

const palletTypes = pairs("EUR=FULL,HALF=HALF").superRefine((map, ctx) => {
  for (const [k, v] of Object.entries(map)) {
    if (!(PALLET_TYPES as readonly string[]).includes(v.toUpperCase())) ctx.addIssue({ code: "custom", message: `maps ${k} to ${v}, which is not a Palletforce pallet type (${PALLET_TYPES.join(", ")})` });
  }
});

const scanQuestion = z
  .preprocess((v) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? "scan_barcode" : v), z.string().trim())
  .pipe(z.string().regex(/^[A-Za-z0-9_.\-]+$/, "must be a question path such as scan_barcode (letters, digits, _ . -)"));

const schema = z.object({
  PALLETFORCE_API_URL: url,
  PALLETFORCE_ACCESS_KEY: text,
  // Tracking numbers begin with the depot code: three digits.
  PALLETFORCE_DEPOT: z.string().trim().regex(/^\d{3}$/, "must be the 3-digit depot code"),
  PALLETFORCE_ACCOUNT: z.string().trim().optional(),
  PALLETFORCE_SERVICES: pairs("ND=NEXT DAY,*=ECONOMY"),
  PALLETFORCE_SERVICE_LEVELS: pairs("NEXT DAY=ND,ECONOMY=ECO"),
  PALLETFORCE_PALLET_TYPES: palletTypes,
  PALLETFORCE_SCAN_QUESTION: scanQuestion,
  PALLETFORCE_RATE_PER_MINUTE: positiveInt(60),
});

export const readPalletforceSettings = networkSettings(
  "Palletforce",
  ["PALLETFORCE_API_URL", "PALLETFORCE_ACCESS_KEY", "PALLETFORCE_DEPOT"],
  schema,
  (v) => ({
    apiUrl: v.PALLETFORCE_API_URL,
    accessKey: v.PALLETFORCE_ACCESS_KEY,
    depot: v.PALLETFORCE_DEPOT,
    account: v.PALLETFORCE_ACCOUNT || null,
    services: v.PALLETFORCE_SERVICES,
    serviceLevels: v.PALLETFORCE_SERVICE_LEVELS,
    palletTypes: Object.fromEntries(Object.entries(v.PALLETFORCE_PALLET_TYPES).map(([k, t]) => [k, t.toUpperCase()])),
    scanQuestion: v.PALLETFORCE_SCAN_QUESTION,
    ratePerMinute: v.PALLETFORCE_RATE_PER_MINUTE,
  }),
);

export type PalletforceSettings = NonNullable<ReturnType<typeof readPalletforceSettings>["value"]>;

export const palletforceSettings = (env: Env) => readPalletforceSettings(env).value;
