import { z } from "zod";
import { networkSettings, text, url } from "../../config";

// UPN's settings (contracts README, configuration table).

/** `NEXT_DAY=ND,ECONOMY=ECO` → UPN service (upper case) → the tenant's service-level code. */
export function parseServiceLevels(raw: string): { map: Record<string, string> } | { problem: string } {
  const map: Record<string, string> = {};
  for (const part of raw.split(",")) {
    const entry = part.trim();
    if (!entry) continue;
    const m = /^([^=\s]+)\s*=\s*([^=\s]+)$/.exec(entry);
    if (!m) return { problem: `must be SERVICE=CODE pairs separated by commas (e.g. NEXT_DAY=ND,ECONOMY=ECO); “${entry.slice(0, 40)}” is not` };
    const service = m[1]!.toUpperCase();
    if (map[service] !== undefined && map[service] !== m[2]) return { problem: `maps ${service} twice` };
    map[service] = m[2]!;
  }
  return { map };
}

const serviceLevels = z
  .preprocess((v) => (v === undefined || v === null ? "" : v), z.string())
  .transform((s, ctx) => {
    const r = parseServiceLevels(s);
    if ("problem" in r) {
      ctx.addIssue({ code: "custom", message: r.problem });
      return z.NEVER;
    }
    return r.map;
  });

// A question path is configured in the tenant (Qargo's "Question paths"); only its shape is checked.
const scanQuestion = z
  .preprocess((v) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? "scan_barcode" : v), z.string().trim())
  .pipe(z.string().regex(/^[A-Za-z0-9_.\-]+$/, "must be a question path such as scan_barcode (letters, digits, _ . -)"));

export const readUpnSettings = networkSettings(
  "UPN",
  ["UPN_API_URL", "UPN_API_KEY", "UPN_DEPOT"],
  z.object({ UPN_API_URL: url, UPN_API_KEY: text, UPN_DEPOT: text, UPN_SERVICE_LEVELS: serviceLevels, UPN_SCAN_QUESTION: scanQuestion }),
  (v) => ({ apiUrl: v.UPN_API_URL, apiKey: v.UPN_API_KEY, depot: v.UPN_DEPOT, serviceLevels: v.UPN_SERVICE_LEVELS, scanQuestion: v.UPN_SCAN_QUESTION }),
);

export type UpnSettings = NonNullable<ReturnType<typeof readUpnSettings>["value"]>;

export const upnSettings = (env: Env) => readUpnSettings(env).value;
