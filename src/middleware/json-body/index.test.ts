import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { invalidBody, jsonBody } from ".";

const app = new Hono().post("/", jsonBody(), async (c) => c.json({ got: await c.req.json() }));
const post = (body: string, contentType?: string) =>
  app.request("/", { method: "POST", body, headers: contentType ? { "content-type": contentType } : {} });

describe("jsonBody", () => {
  it("passes a JSON body on, parsed once and still readable", async () => {
    const res = await post('{"a":1}', "application/json; charset=utf-8");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ got: { a: 1 } });
    expect((await post("[]", "application/vnd.api+json")).status).toBe(200);
  });

  it("answers 400 invalid_json with an empty fields list for a body that is not JSON", async () => {
    const res = await post("{nope", "application/json");
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "invalid_json", message: "the body is not JSON", fields: [] });
  });

  it("answers 415 for another or a missing media type", async () => {
    expect((await post('{"a":1}', "text/plain")).status).toBe(415);
    expect((await app.request("/", { method: "POST", body: new Uint8Array([123, 125]) })).status).toBe(415);
  });
});

describe("invalidBody", () => {
  const schema = z.object({ items: z.array(z.object({ name: z.string() })) });
  const validated = new Hono().post("/", jsonBody(), zValidator("json", schema, invalidBody("the body is not a list")), (c) => c.json(c.req.valid("json")));
  const send = (body: unknown) => validated.request("/", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });

  it("answers 400 invalid_body naming each failing field by its dotted path", async () => {
    const res = await send({ items: [{ name: "a" }, { name: 2 }] });
    expect(res.status).toBe(400);
    const body = await res.json<{ error: string; message: string; fields: { path: string }[] }>();
    expect(body).toMatchObject({ error: "invalid_body", message: "the body is not a list" });
    expect(body.fields.map((f) => f.path)).toEqual(["items.1.name"]);
  });

  it("lets a valid body through to c.req.valid", async () => {
    const res = await send({ items: [{ name: "a" }] });
    expect(await res.json()).toEqual({ items: [{ name: "a" }] });
  });
});
