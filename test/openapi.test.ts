import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { palletOrder, stopCompleted } from "../sandbox/qargo-webhooks.mjs";
import { attentionAnswer, consignmentAnswer, failuresAnswer, healthAnswer } from "../src/routes/api/schemas";
import { admin, postWebhook, uniqueRef } from "./support/webhook";

// The operator API describes itself from the schemas its routes validate with, and its real
// answers hold to the shapes the description gives.

describe("GET /api/openapi.json", () => {
  it("is an OpenAPI 3.1 document of every operator route, readable without a token", async () => {
    const res = await SELF.fetch("https://connector.test/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = await res.json<any>();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "https://connector.test/api" }]);
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/attention",
      "/attention/{id}/seen",
      "/consignments/{network}/{reference}",
      "/consignments/{network}/{reference}/refresh",
      "/failures",
      "/failures/{id}/replay",
      "/health",
      "/imports",
      "/webhooks/tms/dispatch/{network}",
    ]);
    // The TMS's dispatch door: on the connector's origin, Basic credentials, Qargo's shapes.
    const dispatch = doc.paths["/webhooks/tms/dispatch/{network}"];
    expect(dispatch.servers).toEqual([{ url: "https://connector.test" }]);
    expect(dispatch.post.security).toEqual([{ basic: [] }]);
    expect(dispatch.post.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/SubcontractorDispatch" });
    expect(dispatch.post.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/SubcontractorDispatchResponse" });
    expect(doc.components.schemas.SubcontractorDispatch.properties.operation.enum).toEqual(["CREATE", "UPDATE", "CANCEL"]);
    expect(doc.components.schemas.SubcontractorDispatchResponse.properties.errors.items.properties.error_type.enum).toEqual(["USER_INPUT_ERROR", "INTERNAL_ERROR", "NOT_SUPPORTED"]);
    const get = doc.paths["/consignments/{network}/{reference}"].get;
    expect(get.parameters.map((p: any) => [p.name, p.in, p.required])).toEqual([["network", "path", true], ["reference", "path", true]]);
    expect(get.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Consignment" });
    expect(doc.components.schemas.Consignment.required).toEqual(expect.arrayContaining(["timeline", "documents", "jobs", "handling_units"]));
    expect(doc.components.schemas.TimelineEntry.properties.outcome.enum).toEqual(["ok", "error", "skipped", "waiting", "info"]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    // Every $ref points at a component that is there.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(5);
    for (const r of refs) expect(doc.components.schemas[r!], r).toBeDefined();
  });

  it("describes what the routes really answer", async () => {
    const ref = uniqueRef("600");
    await postWebhook(stopCompleted({ order: palletOrder({ reference: ref, network: "PALLETWAYS", role: "DELIVERING" }) }));
    const view = await (await admin(`/api/consignments/palletways/${ref}`)).json<Record<string, unknown>>();
    expect(Object.keys(view).sort()).toEqual(Object.keys(consignmentAnswer.shape).sort());
    expect(consignmentAnswer.safeParse(view).error).toBeUndefined();
    expect(failuresAnswer.safeParse(await (await admin("/api/failures")).json()).error).toBeUndefined();
    expect(attentionAnswer.safeParse(await (await admin("/api/attention")).json()).error).toBeUndefined();
    expect(healthAnswer.safeParse(await (await admin("/api/health")).json()).error).toBeUndefined();
  });

  it("answers a malformed path parameter with 400 naming it", async () => {
    const res = await admin("/api/consignments/Not%20A%20Network/x");
    expect(res.status).toBe(400);
    const body = await res.json<any>();
    expect(body.error).toBe("invalid_params");
    expect(body.fields.map((f: any) => f.path)).toEqual(["network"]);
    expect((await admin("/api/consignments/dhl/x")).status).toBe(400);
  });
});
