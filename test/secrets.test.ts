import { describe, expect, it } from "vitest";
import { isSecretName, redact, registerSecrets } from "../src/lib/secrets";

// Which settings are secret follows from their names, so no network has to be listed.

describe("secrets", () => {
  it("knows a secret by its name", () => {
    for (const n of ["ADMIN_TOKEN", "TMS_CLIENT_ID", "TMS_CLIENT_SECRET", "TMS_WEBHOOK_SECRET", "INBOUND_BASIC_USER", "INBOUND_BASIC_PASSWORD", "INBOUND_SIGNING_SECRET", "SOMENET_API_KEY", "ALERT_WEBHOOK_URL"]) {
      expect(isSecretName(n), n).toBe(true);
    }
    for (const n of ["TMS_API_URL", "UPN_DEPOT", "TMS_RATE_PER_SECOND", "TMS_DOWNLOAD_HOSTS", "PUBLIC_URL"]) expect(isSecretName(n), n).toBe(false);
  });

  it("masks every secret setting, any URL's password and an alert webhook URL, in plain and encoded forms", () => {
    registerSecrets({
      NEWNET_API_KEY: "key-of-a-network-added-later",
      ALERT_WEBHOOK_URL: "https://hooks.example.com/services/T000/B000/XXXXsecret",
      SOMENET_FTP_URL: "ftps://depot:p%40ss%2Fword@ftp.example.com:21/in",
      TMS_API_URL: "https://api.qargo.com",
      UPN_DEPOT: "045",
      ADMIN_TOKEN: "a b&c=d-admin-token",
    });
    const line = [
      "key-of-a-network-added-later",
      "https://hooks.example.com/services/T000/B000/XXXXsecret",
      "p%40ss%2Fword",
      "p@ss/word",
      "a%20b%26c%3Dd-admin-token",
      "https://api.qargo.com depot 045",
    ].join(" | ");
    expect(redact(line)).toBe("*** | *** | *** | *** | *** | https://api.qargo.com depot 045");
  });
});
