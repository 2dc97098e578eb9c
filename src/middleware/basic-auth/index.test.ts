import { describe, expect, it } from "vitest";
import { basicMatches } from ".";

const header = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
const expected = { user: "qargo", passwords: ["a-long-enough-password"] };

describe("basicMatches", () => {
  it("accepts only both halves right", () => {
    expect(basicMatches(header("qargo", "a-long-enough-password"), expected)).toBe(true);
    expect(basicMatches(header("qargo", "a-long-enough-passwore"), expected)).toBe(false);
    expect(basicMatches(header("qargx", "a-long-enough-password"), expected)).toBe(false);
    expect(basicMatches(header("", ""), { user: "", passwords: [""] })).toBe(true);
  });

  it("splits at the first colon, so a password may contain colons", () => {
    expect(basicMatches(header("qargo", "p:a:s:s"), { user: "qargo", passwords: ["p:a:s:s"] })).toBe(true);
    expect(basicMatches(header("qargo:p", "a:s:s"), { user: "qargo", passwords: ["p:a:s:s"] })).toBe(true);
  });

  it("refuses anything that is not Basic credentials", () => {
    for (const h of [undefined, null, "", "Bearer x", "Basic", "Basic !!!not-base64", `Basic ${btoa("no-colon")}`]) {
      expect(basicMatches(h, { user: "no-colon", passwords: [""] }), String(h)).toBe(false);
    }
  });

  it("accepts either password while one is being rotated, and only with the right user", () => {
    const rotating = { user: "qargo", passwords: ["the-old-password-000", "the-new-password-111"] };
    expect(basicMatches(header("qargo", "the-old-password-000"), rotating)).toBe(true);
    expect(basicMatches(header("qargo", "the-new-password-111"), rotating)).toBe(true);
    expect(basicMatches(header("other", "the-new-password-111"), rotating)).toBe(false);
    expect(basicMatches(header("qargo", "the-old-password-000\nthe-new-password-111"), rotating)).toBe(false);
  });

  it("compares UTF-8 credentials byte for byte", () => {
    const utf8 = (s: string) => `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(s)))}`;
    expect(basicMatches(utf8("dépôt:mot-de-passe-très-long"), { user: "dépôt", passwords: ["mot-de-passe-très-long"] })).toBe(true);
    expect(basicMatches(utf8("depot:mot-de-passe-très-long"), { user: "dépôt", passwords: ["mot-de-passe-très-long"] })).toBe(false);
  });
});
