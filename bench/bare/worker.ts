import { Hono } from "hono";

// The reference for the intake benchmark: a bare Hono route on the same runtime that reads the
// body and answers JSON, with no auth, validation, D1 or queue.
const app = new Hono();
app.post("/webhooks/tms", async (c) => {
  const body = await c.req.text();
  return c.json({ ok: true, bytes: body.length });
});
export default app;
