import { z } from "zod";
import { networkSettings, text, url } from "../../config";

// UPN's settings (contracts README, configuration table).

export const readUpnSettings = networkSettings(
  "UPN",
  ["UPN_API_URL", "UPN_API_KEY", "UPN_DEPOT"],
  z.object({ UPN_API_URL: url, UPN_API_KEY: text, UPN_DEPOT: text }),
  (v) => ({ apiUrl: v.UPN_API_URL, apiKey: v.UPN_API_KEY, depot: v.UPN_DEPOT }),
);

export const upnSettings = (env: Env) => readUpnSettings(env).value;
