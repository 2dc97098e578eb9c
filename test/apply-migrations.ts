import { applyD1Migrations, env } from "cloudflare:test";

// Setup files run before each test file; applyD1Migrations only applies what is missing.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// Each test file starts with its own Durable Object storage, so its TMS token cache is empty
// and fetches a token: like a fresh deployment. The Qargo simulator counts tokens per hour
// across the whole run, so each file starts its hour afresh (tokens already issued stay valid).
await fetch(`${env.TMS_API_URL}/__sim/reset`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
