import { describe, expect, it } from "vitest";
import { basicMatches } from ".";

const header = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
const expected = { user: "qargo", password: "a-long-enough-password" };

describe("basicMatches", () => {
  it("accepts only both halves right", () => {
    expect(basicMatches(header("qargo", "a-long-enough-password"), expected)).toBe(true);
    expect(basicMatches(header("qargo", "a-long-enough-passwore"), expected)).toBe(false);
    expect(basicMatches(header("qargx", "a-long-enough-password"), expected)).toBe(false);
    expect(basicMatches(header("", ""), { user: "", password: "" })).toBe(true);
  });

  it("splits at the first colon, so a password may contain colons", () => {
    expect(basicMatches(header("qargo", "p:a:s:s"), { user: "qargo", password: "p:a:s:s" })).toBe(true);
    expect(basicMatches(header("qargo:p", "a:s:s"), { user: "qargo", password: "p:a:s:s" })).toBe(true);
  });

  it("refuses anything that is not Basic credentials", () => {
    for (const h of [undefined, null, "", "Bearer x", "Basic", "Basic !!!not-base64", `Basic ${btoa("no-colon")}`]) {
      expect(basicMatches(h, { user: "no-colon", password: "" }), String(h)).toBe(false);
    }
  });

  it("compares UTF-8 credentials byte for byte", () => {
    const utf8 = (s: string) => `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(s)))}`;
    expect(basicMatches(utf8("dépôt:mot-de-passe-très-long"), { user: "dépôt", password: "mot-de-passe-très-long" })).toBe(true);
    expect(basicMatches(utf8("depot:mot-de-passe-très-long"), { user: "dépôt", password: "mot-de-passe-très-long" })).toBe(false);
  });
});
