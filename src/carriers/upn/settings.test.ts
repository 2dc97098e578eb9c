import { describe, expect, it } from "vitest";
import { readUpnSettings } from "./settings";

// Absent settings switch UPN off without a problem; present but wrong ones are a problem that
// names the setting and never its value (contracts README, configuration table).

const read = (vars: Record<string, string>) => readUpnSettings(vars as unknown as Env);

const BASE = { UPN_API_URL: "https://api.upn.example/v2/", UPN_API_KEY: "upn-key-hunter2", UPN_DEPOT: "D042" };

describe("readUpnSettings", () => {
  it("is off, with no problem, while any required setting is absent or blank", () => {
    expect(read({})).toEqual({ value: null, problems: [] });
    for (const name of Object.keys(BASE)) {
      expect(read({ ...BASE, [name]: " " }), name).toEqual({ value: null, problems: [] });
    }
  });

  it("reads the settings, trimmed, the URL without its trailing slash", () => {
    expect(read({ ...BASE, UPN_DEPOT: " D042 " })).toEqual({
      value: { apiUrl: "https://api.upn.example/v2", apiKey: "upn-key-hunter2", depot: "D042", serviceLevels: {}, scanQuestion: "scan_barcode" },
      problems: [],
    });
  });

  it("names a wrong URL without its value, and stays off", () => {
    const r = read({ ...BASE, UPN_API_URL: "api.upn.example hunter2" });
    expect(r.value).toBeNull();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^UPN: .*\bUPN_API_URL\b/);
    expect(r.problems[0]).not.toContain("hunter2");
    expect(r.problems[0]).not.toContain("api.upn.example");
  });
});
