import { z } from "zod";
import { networkSettings, positiveInt, text, url } from "../../config";

// Hazchem's settings (contracts README, configuration table).

export const readHazchemSettings = networkSettings(
  "Hazchem",
  ["HAZCHEM_API_URL", "HAZCHEM_API_KEY", "HAZCHEM_DEPOT"],
  z.object({ HAZCHEM_API_URL: url, HAZCHEM_API_KEY: text, HAZCHEM_DEPOT: text, HAZCHEM_MAX_UPLOAD_BYTES: positiveInt(1_000_000) }),
  (v) => ({ apiUrl: v.HAZCHEM_API_URL, apiKey: v.HAZCHEM_API_KEY, depot: v.HAZCHEM_DEPOT, maxUploadBytes: v.HAZCHEM_MAX_UPLOAD_BYTES }),
);

export const hazchemSettings = (env: Env) => readHazchemSettings(env).value;
