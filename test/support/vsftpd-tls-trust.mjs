// Side-effect module imported first thing by vitest.config.ts: makes workerd trust the
// self-signed certificate of the vsftpd ftps:// test server. Miniflare reads
// NODE_EXTRA_CA_CERTS once, when it is first imported, so this must run before the Workers pool
// is loaded; a global setup is too late. It only ever adds this local test certificate.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../.sandbox/ftp-tls");
export const TEST_CA_CERT = path.join(dir, "cert.pem");
export const TEST_CA_KEY = path.join(dir, "key.pem");

/** Makes (or keeps, while valid for another day) the key and self-signed certificate for 127.0.0.1. */
export function ensureTestCert() {
  if (fs.existsSync(TEST_CA_KEY) && fs.existsSync(TEST_CA_CERT)) {
    const check = spawnSync("openssl", ["x509", "-checkend", "86400", "-noout", "-in", TEST_CA_CERT]);
    if (check.status === 0) return { key: TEST_CA_KEY, cert: TEST_CA_CERT };
  }
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "825", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-addext", "basicConstraints=critical,CA:TRUE",
    "-keyout", TEST_CA_KEY, "-out", TEST_CA_CERT,
  ], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl could not make the FTP test certificate: ${r.error?.message ?? r.stderr}`);
  return { key: TEST_CA_KEY, cert: TEST_CA_CERT };
}

/** True when the certificate is in what Miniflare will trust (decided at its import). */
export function testCertTrusted() {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (!extra || !fs.existsSync(extra) || !fs.existsSync(TEST_CA_CERT)) return false;
  return fs.readFileSync(extra, "utf8").includes(fs.readFileSync(TEST_CA_CERT, "utf8").trim());
}

try {
  ensureTestCert();
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (!extra) {
    process.env.NODE_EXTRA_CA_CERTS = TEST_CA_CERT;
  } else if (!testCertTrusted() && fs.existsSync(extra)) {
    // Someone already trusts other certificates: trust theirs and ours together.
    const bundle = path.join(dir, "bundle.pem");
    fs.writeFileSync(bundle, fs.readFileSync(extra, "utf8").trimEnd() + "\n" + fs.readFileSync(TEST_CA_CERT, "utf8"));
    process.env.NODE_EXTRA_CA_CERTS = bundle;
  }
} catch {
  // No openssl: the ftps:// test reports the certificate as untrusted instead of failing the run.
}
