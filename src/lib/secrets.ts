// Secrets must never reach a log line, an error message, the console or stored metadata. Every
// entry point registers the configured secret values; redact() masks any of them in text.
const SECRET_NAMES = [
  "TMS_CLIENT_ID",
  "TMS_CLIENT_SECRET",
  "TMS_WEBHOOK_CLIENT_ID",
  "INBOUND_BASIC_USER",
  "TMS_WEBHOOK_SECRET",
  "INBOUND_BASIC_PASSWORD",
  "INBOUND_SIGNING_SECRET",
  "ADMIN_TOKEN",
  "PALLETWAYS_API_KEY",
  "UPN_API_KEY",
  "HAZCHEM_API_KEY",
  // An incoming-webhook URL is its own credential (Slack's carries the token in the path).
  "ALERT_WEBHOOK_URL",
] as const;

let secrets: string[] = [];

export function registerSecrets(env: Partial<Record<string, unknown>>): void {
  const values = new Set<string>();
  for (const name of SECRET_NAMES) {
    const v = env[name];
    if (typeof v === "string" && v.length >= 4) {
      values.add(v);
      values.add(encodeURIComponent(v));
    }
  }
  // The FTP URL carries a password in its userinfo.
  const ftp = env.PALLETWAYS_FTP_URL;
  if (typeof ftp === "string" && ftp) {
    try {
      const u = new URL(ftp);
      if (u.password.length >= 4) {
        values.add(u.password);
        values.add(decodeURIComponent(u.password));
      }
    } catch {
      // an unparseable URL is reported by the config check, without its text
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
