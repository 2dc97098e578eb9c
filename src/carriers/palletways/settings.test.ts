import { describe, expect, it } from "vitest";
import { readPalletwaysSettings } from "./settings";

// Absent settings switch Palletways off without a problem; present but wrong ones are a problem
// that names the setting and never its value (contracts README, configuration table).

// Settings are read once per env object, so each case gets its own.
const read = (vars: Record<string, string>) => readPalletwaysSettings(vars as unknown as Env);

const BASE = {
  PALLETWAYS_API_URL: "https://api.palletways.example/",
  PALLETWAYS_PORTAL_URL: "https://portal.palletways.example",
  PALLETWAYS_API_KEY: "pw-key-hunter2",
};

describe("readPalletwaysSettings", () => {
  it("is off, with no problem, while any required setting is absent or blank", () => {
    expect(read({})).toEqual({ value: null, problems: [] });
    for (const name of Object.keys(BASE)) {
      expect(read({ ...BASE, [name]: "" }), name).toEqual({ value: null, problems: [] });
      expect(read({ ...BASE, [name]: "   " }), name).toEqual({ value: null, problems: [] });
      const without: Record<string, string> = { ...BASE };
      delete without[name];
      expect(read(without), name).toEqual({ value: null, problems: [] });
    }
  });

  it("reads the settings with their defaults", () => {
    expect(read(BASE)).toEqual({
      value: {
        apiUrl: "https://api.palletways.example",
        portalUrl: "https://portal.palletways.example",
        apiKey: "pw-key-hunter2",
        ratePerMinute: 90,
        catchupScheduleS: [0, 60, 180, 420, 900],
        ftpUrl: null,
        import: { depot: null, serviceLevels: {}, scanQuestion: "scan_barcode" },
      },
      problems: [],
    });
  });

  it("reads the optional settings when given", () => {
    const { value } = read({
      ...BASE,
      PALLETWAYS_RATE_PER_MINUTE: "30",
      PALLETWAYS_CATCHUP_SCHEDULE_S: "900, 0,60,60",
      PALLETWAYS_FTP_URL: " ftp://depot:pw@ftp.example.com/in ",
    });
    expect(value).toMatchObject({ ratePerMinute: 30, catchupScheduleS: [0, 60, 900], ftpUrl: "ftp://depot:pw@ftp.example.com/in" });
    expect(read({ ...BASE, PALLETWAYS_FTP_URL: "" }).value!.ftpUrl).toBeNull();
  });

  it("names a wrong setting without its value, and stays off", () => {
    const cases: [string, string][] = [
      ["PALLETWAYS_API_URL", "not a url hunter2"],
      ["PALLETWAYS_PORTAL_URL", "portal-hunter2"],
      ["PALLETWAYS_RATE_PER_MINUTE", "hunter2"],
      ["PALLETWAYS_RATE_PER_MINUTE", "-90"],
      ["PALLETWAYS_RATE_PER_MINUTE", "1.5"],
      ["PALLETWAYS_CATCHUP_SCHEDULE_S", "0,60,hunter2"],
      ["PALLETWAYS_CATCHUP_SCHEDULE_S", "0,-60"],
    ];
    for (const [name, bad] of cases) {
      const r = read({ ...BASE, [name]: bad });
      expect(r.value, `${name}=${bad}`).toBeNull();
      expect(r.problems, `${name}=${bad}`).toHaveLength(1);
      expect(r.problems[0], `${name}=${bad}`).toMatch(new RegExp(`^Palletways: .*\\b${name}\\b`));
      expect(r.problems[0], `${name}=${bad}`).not.toContain(bad);
      expect(r.problems[0], `${name}=${bad}`).not.toContain("hunter2");
    }
  });
});
