import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import path from "node:path";

// Tests run inside workerd on real D1, R2, Queues and Durable Objects. The partners are the
// simulators in sandbox/, started once by test/global-setup.ts and reached over HTTP/TCP.
export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => {
      const sandbox = inject("sandbox");
      const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
      return {
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            FIXTURES_URL: inject("fixtures"),
            ...sandbox.env,
          },
        },
      };
    }),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts"],
    setupFiles: ["./test/apply-migrations.ts"],
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The simulators are shared by every test file; running files one at a time keeps partner
    // rate limits and simulator state predictable on a 2-core machine.
    fileParallelism: false,
  },
});
