import { defineConfig } from "vitest/config";
import path from "node:path";

// Lets workerd trust the ftps:// test server's self-signed certificate: Miniflare reads
// NODE_EXTRA_CA_CERTS once, when imported, so this must run before the plugin loads it (a static
// import would be hoisted below the plugin's by the config bundler).
await import("./test/support/vsftpd-tls-trust.mjs");
const { cloudflareTest, readD1Migrations } = await import("@cloudflare/vitest-plugin");

// Tests run inside workerd on real D1, R2, Queues and Durable Objects. The partners are the
// simulators in sandbox/, started once by test/global-setup.ts and reached over HTTP/TCP.
export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => {
      const sandbox = inject("sandbox");
      const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
      return {
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.jsonc" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            FIXTURES_URL: inject("fixtures"),
            DOWNLOAD_HOST_URL: inject("downloadHost"),
            ...sandbox.env,
          },
        },
      };
    }),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts"],
    setupFiles: ["./test/apply-migrations.ts", "./test/record-statements.ts"],
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The simulators are shared by every test file; running files one at a time keeps partner
    // rate limits and simulator state predictable on a 2-core machine.
    fileParallelism: false,
    // Partner simulators and the Worker log a JSON line per step; show them for failures only.
    silent: "passed-only",
  },
});
