import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes the SQL migrations that wrangler (and the tests) apply.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema/index.ts",
  out: "./migrations",
});
