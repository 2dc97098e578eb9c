// A foreign host for download tests: https on 127.0.0.1 with the local test certificate that
// workerd trusts (test/support/vsftpd-tls-trust.mjs), recording every request it receives, so a
// test can show what reached it (and with which headers) or that nothing did.
import https from "node:https";
import fs from "node:fs";
import { ensureTestCert } from "./vsftpd-tls-trust.mjs";

export async function startDownloadHost({ port = 0 } = {}) {
  const { key, cert } = ensureTestCert();
  let seen = [];
  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    const url = new URL(req.url, "https://x");
    if (url.pathname === "/__seen") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(seen));
    if (url.pathname === "/__reset") {
      seen = [];
      return void res.writeHead(200, { "content-type": "application/json" }).end("{}");
    }
    seen.push({ method: req.method, path: url.pathname + url.search, authorization: req.headers.authorization ?? null, cookie: req.headers.cookie ?? null, ...(req.headers["x-api-key"] ? { x_api_key: req.headers["x-api-key"] } : {}) });
    // A partner that redirects elsewhere: /bounce/<rest> → the same server under another host name.
    if (url.pathname.startsWith("/bounce/")) {
      return void res.writeHead(302, { location: `https://localhost:${server.address().port}/caught/${url.pathname.slice(8)}${url.search}` }).end();
    }
    if (url.pathname === "/redirect") return void res.writeHead(302, { location: url.searchParams.get("to") ?? "/" }).end();
    if (url.pathname === "/huge") {
      // Declares more than the download ceiling; a careful client refuses before reading.
      res.writeHead(200, { "content-type": "application/pdf", "content-length": String(200 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
      setTimeout(() => res.destroy(), 2_000).unref();
      return;
    }
    if (url.pathname === "/stream") {
      // No declared length: the ceiling must hold while the bytes stream.
      const n = Number(url.searchParams.get("bytes") ?? "0");
      res.writeHead(200, { "content-type": "application/octet-stream" });
      return void res.end(Buffer.alloc(n, 7));
    }
    const body = Buffer.from(`bytes from the download host for ${url.pathname}`);
    res.writeHead(200, { "content-type": "application/pdf", "content-length": body.length, "content-disposition": 'attachment; filename="stored.pdf"' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${server.address().port}`;
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(resolve);
      }),
  };
}
