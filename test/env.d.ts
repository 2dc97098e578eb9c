// Bindings the tests see: the Worker's own plus what the vitest setup adds.
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("@cloudflare/vitest-pool-workers").D1Migration[];
    /** Base URL of the static server over test/fixtures and generated fixtures. */
    FIXTURES_URL: string;
  }
}
declare module "vitest" {
  export interface ProvidedContext {
    sandbox: import("../sandbox/types").SandboxInfo;
    fixtures: string;
  }
}
