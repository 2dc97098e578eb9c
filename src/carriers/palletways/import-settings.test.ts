import { describe, expect, it } from "vitest";
import { readPalletwaysSettings } from "./settings";

// The import's settings inside Palletways' own: PALLETWAYS_DEPOT switches the import on; a
// malformed one is a problem that names the setting, never its value.

const read = (vars: Record<string, string>) => readPalletwaysSettings(vars as unknown as Env);
const BASE = { PALLETWAYS_API_URL: "https://api.palletways.example", PALLETWAYS_PORTAL_URL: "https://portal.palletways.example", PALLETWAYS_API_KEY: "pw-key" };

describe("Palletways import settings", () => {
  it("reads the depot, the service levels (codes upper-cased) and the scan question", () => {
    const { value, problems } = read({ ...BASE, PALLETWAYS_DEPOT: " 045 ", PALLETWAYS_SERVICE_LEVELS: "b=ND, E=ECO,", PALLETWAYS_SCAN_QUESTION: "pw_scan" });
    expect(problems).toEqual([]);
    expect(value!.import).toEqual({ depot: "045", serviceLevels: { B: "ND", E: "ECO" }, scanQuestion: "pw_scan" });
    expect(read({ ...BASE, PALLETWAYS_DEPOT: "" }).value!.import.depot).toBeNull();
  });

  it("names a malformed setting without its value, and Palletways stays off", () => {
    const cases: [string, string][] = [
      ["PALLETWAYS_SERVICE_LEVELS", "B=ND,hunter2"],
      ["PALLETWAYS_SERVICE_LEVELS", "B=ND,B=ECO"],
      ["PALLETWAYS_DEPOT", "04 hunter2"],
      ["PALLETWAYS_SCAN_QUESTION", "scan barcode/hunter2"],
    ];
    for (const [name, bad] of cases) {
      const r = read({ ...BASE, [name]: bad });
      expect(r.value, `${name}=${bad}`).toBeNull();
      expect(r.problems, `${name}=${bad}`).toHaveLength(1);
      expect(r.problems[0], `${name}=${bad}`).toMatch(new RegExp(`^Palletways: .*\\b${name}\\b`));
      expect(r.problems[0], `${name}=${bad}`).not.toContain("hunter2");
    }
  });
});
