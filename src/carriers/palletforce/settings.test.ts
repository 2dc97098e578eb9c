import { describe, expect, it } from "vitest";
import { parsePairs, readPalletforceSettings } from "./settings";

const base = { PALLETFORCE_API_URL: "https://api.palletforce.net/", PALLETFORCE_ACCESS_KEY: "k", PALLETFORCE_DEPOT: "045" };
const read = (extra: Record<string, string> = {}) => readPalletforceSettings({ ...base, ...extra } as unknown as Env);

describe("Palletforce settings", () => {
  it("is switched off without its URL, key or depot, and reads the defaults otherwise", () => {
    expect(readPalletforceSettings({ PALLETFORCE_API_URL: "https://x" } as unknown as Env).value).toBeNull();
    expect(read().value).toMatchObject({ apiUrl: "https://api.palletforce.net", depot: "045", account: null, ratePerMinute: 60, scanQuestion: "scan_barcode", palletTypes: {} });
  });

  it("parses service names with spaces and names a wrong setting, never its value", () => {
    expect(parsePairs("nd=NEXT DAY, *=ECONOMY", "")).toEqual({ map: { ND: "NEXT DAY", "*": "ECONOMY" } });
    const bad = read({ PALLETFORCE_DEPOT: "45", PALLETFORCE_PALLET_TYPES: "EUR=PALLET" });
    expect(bad.value).toBeNull();
    expect(bad.problems.join(" ")).toMatch(/PALLETFORCE_DEPOT must be the 3-digit depot code/);
    expect(read({ PALLETFORCE_PALLET_TYPES: "EUR=PALLET" }).problems.join(" ")).toMatch(/not a Palletforce pallet type/);
    expect(read({ PALLETFORCE_ACCESS_KEY: "secret-value", PALLETFORCE_RATE_PER_MINUTE: "lots" }).problems.join(" ")).not.toContain("secret-value");
  });
});
