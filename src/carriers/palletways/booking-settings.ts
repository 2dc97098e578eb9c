import { z } from "zod";
import { networkSettings, text } from "../../config";

// The settings for bookings (contracts README): PALLETWAYS_ACCOUNT switches booking on; the
// rest map the TMS's vocabulary onto Palletways'. Kept apart from settings.ts so that a wrong
// mapping turns booking off (NOT_SUPPORTED naming the setting), never the photos.

export const BILL_UNITS = ["FP", "HP", "QP", "MQP", "LP", "ELP", "SELP"] as const;
export type BillUnit = (typeof BILL_UNITS)[number];

/** `A=B,C=D,*=E` → {A: B, C: D, "*": E}; keys upper-cased. */
export function parsePairs(raw: string, example: string, value: (v: string) => string | null = (v) => v): { map: Record<string, string> } | { problem: string } {
  const map: Record<string, string> = {};
  for (const part of raw.split(",")) {
    const entry = part.trim();
    if (!entry) continue;
    const m = /^([^=\s]+)\s*=\s*([^=\s]+)$/.exec(entry);
    if (!m) return { problem: `must be CODE=CODE pairs separated by commas (e.g. ${example}); “${entry.slice(0, 40)}” is not` };
    const key = m[1]!.toUpperCase();
    const v = value(m[2]!);
    if (v === null) return { problem: `“${m[2]!.slice(0, 20)}” is not one of ${BILL_UNITS.join(", ")}` };
    if (map[key] !== undefined && map[key] !== v) return { problem: `maps ${key} twice` };
    map[key] = v;
  }
  return { map };
}

const pairs = (example: string, value?: (v: string) => string | null) =>
  z.preprocess((v) => (v === undefined || v === null ? "" : v), z.string()).transform((s, ctx) => {
    const r = parsePairs(s, example, value);
    if ("problem" in r) {
      ctx.addIssue({ code: "custom", message: r.problem });
      return z.NEVER;
    }
    return r.map;
  });

const question = (fallback: string) =>
  z
    .preprocess((v) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? fallback : v), z.string().trim())
    .pipe(z.string().regex(/^[A-Za-z0-9_.\-]+$/, `must be a question path key such as ${fallback} (letters, digits, _ . -)`));

export const readBookingSettings = networkSettings(
  "Palletways booking",
  ["PALLETWAYS_ACCOUNT"],
  z.object({
    PALLETWAYS_ACCOUNT: text,
    PALLETWAYS_SERVICES: pairs("ND=B,ECO=E,*=B"),
    PALLETWAYS_BILL_UNITS: pairs("PALLET=FP,HALF=HP", (v) => ((BILL_UNITS as readonly string[]).includes(v.toUpperCase()) ? v.toUpperCase() : null)),
    PALLETWAYS_LABEL_QUESTION: question("LABEL"),
    PALLETWAYS_POD_QUESTION: question("POD"),
  }),
  (v) => ({
    account: v.PALLETWAYS_ACCOUNT,
    services: v.PALLETWAYS_SERVICES,
    billUnits: v.PALLETWAYS_BILL_UNITS as Record<string, BillUnit>,
    labelQuestion: v.PALLETWAYS_LABEL_QUESTION,
    podQuestion: v.PALLETWAYS_POD_QUESTION,
  }),
);

export type BookingSettings = NonNullable<ReturnType<typeof readBookingSettings>["value"]>;
export const bookingSettings = (env: Env) => readBookingSettings(env).value;
