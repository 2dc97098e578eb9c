// Secrets must never reach a log line, an error message, the console or stored metadata. Every
// entry point registers the configured secret values; redact() masks any of them in text.
// Which settings are secret follows from their names alone, so a new network's key is covered
// the day it is added and this file names no network.

/** A setting whose whole value is a credential. */
const SECRET_NAME = /(?:_KEY|_SECRET|_PASSWORD|_TOKEN|_CLIENT_ID|_USER|_WEBHOOK_URL)$/;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

let secrets: string[] = [];

export function registerSecrets(env: Partial<Record<string, unknown>>): void {
  const values = new Set<string>();
  // Short strings would mask ordinary words in every line; no real credential is that short.
  const keep = (v: string) => v.length >= 4 && values.add(v);
  const add = (v: string) => {
    keep(v);
    keep(encodeURIComponent(v));
    try {
      keep(decodeURIComponent(v));
    } catch {
      // not percent-encoded: the value itself is already there
    }
  };
  for (const [name, v] of Object.entries(env)) {
    if (typeof v !== "string" || !v) continue;
    if (isSecretName(name)) {
      add(v);
      // Two passwords (one a line) or two signing secrets while one is rotated: each is a secret.
      for (const part of v.split(/\s+/)) if (part.length >= 8) add(part);
    }
    // Any URL setting may carry a password in its userinfo (ftp://user:pass@host).
    if (name.endsWith("_URL") && v.includes("@")) {
      try {
        const u = new URL(v);
        if (u.password) add(u.password);
      } catch {
        // an unparseable URL is reported by the config check, without its text
      }
    }
  }
  // Longest first so a secret containing another is masked whole.
  secrets = [...values].sort((a, b) => b.length - a.length);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("***");
  return out;
}
