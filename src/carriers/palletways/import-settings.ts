import { z } from "zod";

// The import's settings (contracts README): PALLETWAYS_DEPOT switches the import on, the rest
// shape the orders it creates. Spread into the Palletways settings so a malformed value is a
// named problem in /healthz like any other.

/** `B=ND,E=ECO` → Palletways service code (upper case) → the tenant's service-level code. */
export function parseServiceLevels(raw: string): { map: Record<string, string> } | { problem: string } {
  const map: Record<string, string> = {};
  for (const part of raw.split(",")) {
    const entry = part.trim();
    if (!entry) continue;
    const m = /^([^=\s]+)\s*=\s*([^=\s]+)$/.exec(entry);
    // The value itself is never repeated: settings sit beside secrets in the same files.
    if (!m) return { problem: "must be CODE=LEVEL pairs separated by commas (e.g. B=ND,E=ECO)" };
    const code = m[1]!.toUpperCase();
    if (map[code] !== undefined && map[code] !== m[2]) return { problem: "maps one service code twice" };
    map[code] = m[2]!;
  }
  return { map };
}

const blankToUndefined = (v: unknown) => (v === null || (typeof v === "string" && v.trim() === "") ? undefined : v);

export const importSettingsSchema = {
  PALLETWAYS_DEPOT: z.preprocess(blankToUndefined, z.string().trim().regex(/^[A-Za-z0-9]{1,10}$/, "must be our Palletways depot number, e.g. 045").optional()),
  PALLETWAYS_SERVICE_LEVELS: z.preprocess((v) => blankToUndefined(v) ?? "", z.string()).transform((s, ctx) => {
    const r = parseServiceLevels(s);
    if ("problem" in r) {
      ctx.addIssue({ code: "custom", message: r.problem });
      return z.NEVER;
    }
    return r.map;
  }),
  // A question path is configured in the tenant (Qargo's "Question paths"); only its shape is checked.
  PALLETWAYS_SCAN_QUESTION: z
    .preprocess((v) => blankToUndefined(v) ?? "scan_barcode", z.string().trim())
    .pipe(z.string().regex(/^[A-Za-z0-9_.\-]+$/, "must be a question path such as scan_barcode (letters, digits, _ . -)")),
};

type ImportValues = { PALLETWAYS_DEPOT?: string | undefined; PALLETWAYS_SERVICE_LEVELS: Record<string, string>; PALLETWAYS_SCAN_QUESTION: string };

export function importSettings(v: ImportValues) {
  return {
    /** null: no import. */
    depot: v.PALLETWAYS_DEPOT ?? null,
    serviceLevels: v.PALLETWAYS_SERVICE_LEVELS,
    scanQuestion: v.PALLETWAYS_SCAN_QUESTION,
  };
}
