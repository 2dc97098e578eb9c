import { describe, expect, it } from "vitest";
import { readHazchemSettings } from "./settings";

// Absent settings switch Hazchem off without a problem; present but wrong ones are a problem that
// names the setting and never its value (contracts README, configuration table).

const read = (vars: Record<string, string>) => readHazchemSettings(vars as unknown as Env);

const BASE = { HAZCHEM_API_URL: "https://api.hazchem.example", HAZCHEM_API_KEY: "hz-key-hunter2", HAZCHEM_DEPOT: "HZ77" };

describe("readHazchemSettings", () => {
  it("is off, with no problem, while any required setting is absent or blank", () => {
    expect(read({})).toEqual({ value: null, problems: [] });
    for (const name of Object.keys(BASE)) {
      const without: Record<string, string> = { ...BASE };
      delete without[name];
      expect(read(without), name).toEqual({ value: null, problems: [] });
      expect(read({ ...BASE, [name]: "" }), name).toEqual({ value: null, problems: [] });
    }
  });

  it("reads the settings, with a 1,000,000-byte upload ceiling unless told otherwise", () => {
    expect(read(BASE)).toEqual({
      value: { apiUrl: "https://api.hazchem.example", apiKey: "hz-key-hunter2", depot: "HZ77", maxUploadBytes: 1_000_000 },
      problems: [],
    });
    expect(read({ ...BASE, HAZCHEM_MAX_UPLOAD_BYTES: "2500000" }).value!.maxUploadBytes).toBe(2_500_000);
    expect(read({ ...BASE, HAZCHEM_MAX_UPLOAD_BYTES: "" }).value!.maxUploadBytes).toBe(1_000_000);
  });

  it("names a wrong setting without its value, and stays off", () => {
    const cases: [string, string][] = [
      ["HAZCHEM_API_URL", "hazchem hunter2"],
      ["HAZCHEM_MAX_UPLOAD_BYTES", "1e99hunter2"],
      ["HAZCHEM_MAX_UPLOAD_BYTES", "-700"],
      ["HAZCHEM_MAX_UPLOAD_BYTES", "1000.5"],
    ];
    for (const [name, bad] of cases) {
      const r = read({ ...BASE, [name]: bad });
      expect(r.value, `${name}=${bad}`).toBeNull();
      expect(r.problems, `${name}=${bad}`).toHaveLength(1);
      expect(r.problems[0], `${name}=${bad}`).toMatch(new RegExp(`^Hazchem: .*\\b${name}\\b`));
      expect(r.problems[0], `${name}=${bad}`).not.toContain(bad);
      expect(r.problems[0], `${name}=${bad}`).not.toContain("hunter2");
    }
  });
});
