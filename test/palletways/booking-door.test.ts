import { SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { palletwaysDispatch } from "../../sandbox/qargo-dispatches.mjs";
import { registerCarrier } from "../../src/carriers";
import type { Carrier, SubcontractorDispatch } from "../../src/carriers/carrier";
import { postDispatch } from "../support/dispatch";

// The dispatch door (POST /webhooks/tms/dispatch/{network}): the visibility webhook's
// authentication and ceilings, then always 200 with a SubcontractorDispatchResponse, handed to
// the network's dispatch capability, or NOT_SUPPORTED.

const seen: { dispatch: SubcontractorDispatch; deadline: number; at: number }[] = [];
let enabled = true;
const booking: Carrier = {
  network: "standinbook",
  label: "Stand-in Booking",
  orderFieldValue: "STANDINBOOK",
  settings: () => ({ enabled, problems: [] }),
  jobs: [],
  explain: () => null,
  dispatch: {
    unavailable: (env) => ((env as unknown as Record<string, unknown>).STANDIN_NO_ACCOUNT ? "no account" : null),
    handle: async (ctx, dispatch) => {
      seen.push({ dispatch, deadline: ctx.deadline, at: Date.now() });
      if (dispatch.payload.orders[0]?.name === "OR-THROWS") throw new Error("the capability fell over");
      return { errors: dispatch.operation === "CANCEL" ? [{ error_type: "NOT_SUPPORTED", error_message: "cancel in the portal" }] : [] };
    },
  },
};
const plain: Carrier = { ...booking, network: "standinplain", label: "Stand-in Plain", orderFieldValue: "STANDINPLAIN", dispatch: undefined };

let unregister: (() => void)[] = [];
beforeAll(() => {
  unregister = [registerCarrier(booking), registerCarrier(plain)];
});
afterAll(() => unregister.forEach((u) => u()));

describe("the dispatch door", () => {
  it("hands a parsed dispatch to the network's capability with a deadline under Qargo's 20 s, and answers 200 with its errors", async () => {
    const d = palletwaysDispatch({ orderName: "OR-DOOR-1" });
    const res = await postDispatch(d, "standinbook");
    expect(res).toEqual({ status: 200, body: { errors: [] } });
    const got = seen.find((s) => s.dispatch.payload.orders[0]?.name === "OR-DOOR-1")!;
    expect(got.dispatch.operation).toBe("CREATE");
    expect(got.dispatch.payload.orders[0]!.consignments[0]!.pickup_stop.id).toBe(d.payload.orders[0]!.consignments[0]!.pickup_stop.id);
    expect(got.deadline - got.at).toBeLessThanOrEqual(20_000);
    expect(got.deadline - got.at).toBeGreaterThan(10_000);

    const cancel = await postDispatch({ ...d, operation: "CANCEL" }, "standinbook");
    expect(cancel.body).toEqual({ errors: [{ error_type: "NOT_SUPPORTED", error_message: "cancel in the portal" }] });
  });

  it("answers NOT_SUPPORTED for an unknown network, a network without the capability, and a switched-off one", async () => {
    const d = palletwaysDispatch();
    for (const network of ["nowhere", "standinplain", "upn"]) {
      const res = await postDispatch(d, network);
      expect(res.status).toBe(200);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].error_type).toBe("NOT_SUPPORTED");
    }
    enabled = false;
    try {
      const off = await postDispatch(d, "standinbook");
      expect(off.body.errors[0]).toEqual({ error_type: "NOT_SUPPORTED", error_message: expect.stringContaining("switched off") });
    } finally {
      enabled = true;
    }
  });

  it("turns a capability that throws into an INTERNAL_ERROR answer in words, still 200", async () => {
    const res = await postDispatch(palletwaysDispatch({ orderName: "OR-THROWS" }), "standinbook");
    expect(res.status).toBe(200);
    expect(res.body.errors[0].error_type).toBe("INTERNAL_ERROR");
    expect(res.body.errors[0].error_message).toMatch(/send it again/);
  });

  it("keeps the webhook's door: 401 without credentials, 400 naming fields, 413 over 10 MiB", async () => {
    const d = palletwaysDispatch();
    const noAuth = await SELF.fetch("https://connector.test/webhooks/tms/dispatch/palletways", { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": "203.0.113.90" }, body: JSON.stringify(d) });
    expect(noAuth.status).toBe(401);
    const wrong = await postDispatch(d, "palletways", { password: "not-the-password" });
    expect(wrong.status).toBe(401);

    const bad = await postDispatch({ operation: "SHIP", payload: { name: "T", orders: [{ id: "x" }], stops: [] } });
    expect(bad.status).toBe(400);
    const paths = (bad.body.fields as { path: string }[]).map((f) => f.path);
    expect(paths).toContain("operation");
    expect(paths).toContain("payload.orders.0.name");

    const notJson = await postDispatch("{not json");
    expect(notJson.status).toBe(400);

    const big = await postDispatch({ ...d, pad: "x".repeat(10 * 1024 * 1024 + 10) });
    expect(big.status).toBe(413);
  });
});
