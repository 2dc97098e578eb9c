// A static file server over test/fixtures and .sandbox/fixtures (generated, git-ignored), so
// tests inside workerd can read real files byte for byte over HTTP.
import http from "node:http";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURE_DIRS = [path.join(root, "test/fixtures"), path.join(root, ".sandbox/fixtures")];

/**
 * Generated fixtures: every test/support/fixtures-*.mjs exports `ensure(dir)`, which writes its
 * files into dir unless they are already there (they are deterministic, so a cache is safe).
 */
export async function ensureGeneratedFixtures() {
  const dir = FIXTURE_DIRS[1];
  await fs.mkdir(dir, { recursive: true });
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const f of (await fs.readdir(here)).filter((f) => /^fixtures-.*\.mjs$/.test(f)).sort()) {
    const mod = await import(path.join(here, f));
    await mod.ensure(dir);
  }
  return dir;
}

export async function startFixtureServer({ port = 0 } = {}) {
  await ensureGeneratedFixtures();
  const server = http.createServer(async (req, res) => {
    const name = decodeURIComponent(new URL(req.url, "http://x").pathname).replace(/^\/+/, "");
    if (!name || name.includes("..")) return void res.writeHead(400).end("bad name");
    for (const dir of FIXTURE_DIRS) {
      try {
        const bytes = await fs.readFile(path.join(dir, name));
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
        return void res.end(bytes);
      } catch {}
    }
    res.writeHead(404).end("no such fixture");
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, stop: () => new Promise((resolve) => server.close(resolve)) };
}
