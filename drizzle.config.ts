import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes the SQL migrations that wrangler (and the tests) apply. The
// centre's tables live in src/db/schema/, each network's in its own folder (schema.ts).
export default defineConfig({
  dialect: "sqlite",
  schema: ["./src/db/schema/index.ts", "./src/carriers/*/schema.ts"],
  out: "./migrations",
});
