import { describe, expect, it } from "vitest";
import { FtpUrl, FtpUrlError } from "./url";

describe("FtpUrl", () => {
  it("parses ftp and ftps URLs with encoded credentials", () => {
    const u = FtpUrl.parse("ftps://depot%2012:p%40ss%3Aword@ftp.example.com:2121/in/photos%20new");
    expect(u).toMatchObject({ secure: true, host: "ftp.example.com", port: 2121, user: "depot 12", dir: "in/photos new" });
    expect(u.password).toBe("p@ss:word");
    expect(FtpUrl.parse("ftp://u:p@h").port).toBe(21);
    expect(FtpUrl.parse("ftp://u:p@h/").dir).toBe("");
  });

  it("never shows the password", () => {
    const u = FtpUrl.parse("ftp://user:hunter2@host:21/dir");
    expect(String(u)).toBe("ftp://user:***@host:21/dir");
    expect(JSON.stringify({ u })).not.toContain("hunter2");
    expect(Object.keys(u)).not.toContain("password");
    for (const bad of ["http://user:hunter2@host/", "ftp://:hunter2@host/", "ftp://user:hunter2@host:99999/", "not a url hunter2", "ftp://user:hunter2%0d%0aDELE@host/"]) {
      let err: unknown;
      try {
        FtpUrl.parse(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(FtpUrlError);
      expect((err as Error).message).not.toContain("hunter2");
    }
  });

  it("names the setting, never its value, when it is wrong", () => {
    expect(() => FtpUrl.parse("http://u:hunter2@h/", "DEPOT_FTP_URL")).toThrow("DEPOT_FTP_URL must start with ftp:// or ftps:// (got http://)");
    expect(() => FtpUrl.parse("ftp://:hunter2@h/", "DEPOT_FTP_URL")).toThrow("DEPOT_FTP_URL has no user name");
    expect(() => FtpUrl.parse("ftp://u:hunter2@h/?x=1")).toThrow("the FTP URL must not have a query or fragment");
  });
});
