import { describe, expect, it } from "vitest";
import { explain } from "./explain";

// What an operator is told about a stored error: the action recorded with it, else the
// network's own words for its code, else what the HTTP status or message says about waiting.

const CARRIER_CODES: Record<string, { code: string; says: RegExp }[]> = {
  palletways: [
    { code: "PALLETWAYS_KEY", says: /Check PALLETWAYS_API_KEY with Palletways/ },
    { code: "PALLETWAYS_NOT_AVAILABLE", says: /Ask Palletways to enable podimages\/getPodByTrackingId/ },
  ],
  upn: [
    { code: "ACTION_NOT_ENABLED", says: /Ask UPN IT to enable it for our API key/ },
    { code: "INVALID_API_KEY", says: /Check UPN_API_KEY with UPN/ },
    { code: "EPOD_REQUIRED", says: /UPN wants the signed ePOD before any photo/ },
    { code: "CONSIGNMENT_NOT_FOUND", says: /UPN does not know this consignment barcode/ },
    { code: "FILE_TOO_LARGE", says: /over UPN's 10 MB limit/ },
  ],
  hazchem: [
    { code: "UNAUTHORIZED", says: /Check HAZCHEM_API_KEY and HAZCHEM_DEPOT with Hazchem/ },
    { code: "CONSIGNMENT_NOT_FOUND", says: /Hazchem does not know this consignment number/ },
    { code: "FILE_TOO_LARGE", says: /over Hazchem's size ceiling even after compression/ },
    { code: "UNSUPPORTED_MEDIA_TYPE", says: /Hazchem does not take this file type/ },
    { code: "COP_UPLOAD_NOT_ALLOWED", says: /Hazchem only takes customer paperwork from the collecting depot/ },
  ],
};

describe("explain", () => {
  it("gives each network's own words for each of its codes", () => {
    for (const [network, codes] of Object.entries(CARRIER_CODES)) {
      for (const { code, says } of codes) expect(explain(network, "the partner said no", code), `${network} ${code}`).toMatch(says);
    }
  });

  it("finds a network's code inside the message when no code was stored", () => {
    expect(explain("upn", "UPN answered 403 ACTION_NOT_ENABLED for tracking")).toMatch(/Ask UPN IT/);
    expect(explain("hazchem", "upload refused: COP_UPLOAD_NOT_ALLOWED (403)")).toMatch(/from the collecting depot/);
    expect(explain("palletways", "GET podimages: 404 PALLETWAYS_NOT_AVAILABLE")).toMatch(/enable podimages/);
  });

  it("reads the same code in the words of the network it came from", () => {
    expect(explain("upn", null, "CONSIGNMENT_NOT_FOUND")).toMatch(/^UPN/);
    expect(explain("hazchem", null, "CONSIGNMENT_NOT_FOUND")).toMatch(/^Hazchem/);
  });

  it("does not read one network's code with another's table", () => {
    expect(explain("palletways", "INVALID_API_KEY", "INVALID_API_KEY")).toBeNull();
    expect(explain("upn", null, "PALLETWAYS_KEY")).toBeNull();
  });

  it("prefers the network's words to the HTTP status around them", () => {
    expect(explain("upn", "UPN answered 401 INVALID_API_KEY")).toMatch(/Check UPN_API_KEY/);
    expect(explain("hazchem", "Hazchem answered 413", "FILE_TOO_LARGE")).toMatch(/size ceiling/);
  });

  it("lets a recorded action win over everything else", () => {
    expect(explain("upn", "UPN answered 401 INVALID_API_KEY", "INVALID_API_KEY", "set PALLETWAYS_FTP_URL, then replay")).toBe("set PALLETWAYS_FTP_URL, then replay");
    expect(explain(null, null, null, "do this")).toBe("do this");
  });

  it("falls back on what the status says about waiting", () => {
    const cases: [string, RegExp][] = [
      ["RATE_LIMITED: slow down", /asked us to slow down/],
      ["no handler for job kind upn.something-new", /Replay it after the next deployment/],
      ["partner answered 401 Unauthorized", /refused our credentials/],
      ["partner answered 403", /refused our credentials/],
      ["partner answered 429 Too Many Requests", /rate limit was hit/],
      ["our IP is banned for an hour", /rate limit was hit/],
      ["partner answered 503", /unreachable or failing/],
      ["request timed out after 30 s", /unreachable or failing/],
      ["connect ECONNREFUSED 10.0.0.1:21", /unreachable or failing/],
      ["fetch failed", /unreachable or failing/],
      ["Network connection lost.", /unreachable or failing/],
    ];
    for (const [message, says] of cases) {
      expect(explain("palletways", message), message).toMatch(says);
      // The same fallbacks whatever the network, known or not.
      expect(explain(null, message), message).toMatch(says);
      expect(explain("nonesuch", message), message).toMatch(says);
    }
  });

  it("says nothing when it has nothing useful to say", () => {
    expect(explain("upn", null, null)).toBeNull();
    expect(explain("upn", "", "")).toBeNull();
    expect(explain("upn", "the photo is not a JPEG")).toBeNull();
    // Numbers that merely contain a status are not that status.
    expect(explain("upn", "wrote 4013 bytes in 1500 ms")).toBeNull();
  });
});
