// A tiny HTTP harness shared by every simulator: routing, a call log, injected failures and the
// /__sim/ control surface, so each partner module only describes its own wire behaviour.
import http from "node:http";
import { createFaultPlan } from "./faults.mjs";

export const json = (status, body, headers = {}) => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: Buffer.from(JSON.stringify(body)),
});
export const text = (status, body, headers = {}) => ({
  status,
  headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  body: Buffer.from(body),
});
export const bytes = (status, body, contentType, headers = {}) => ({
  status,
  headers: { "content-type": contentType, ...headers },
  body: Buffer.from(body),
});

/** Thrown by handlers that want to answer at once (e.g. a failed auth check). */
export class Reply extends Error {
  constructor(response) {
    super("reply");
    this.response = response;
  }
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      // Keep reading past the limit (so the client sees our answer) but stop storing.
      if (size <= limit) chunks.push(c);
    });
    req.on("end", () => resolve({ body: Buffer.concat(chunks), size }));
    req.on("error", reject);
  });
}

/**
 * routes: [[method, /regex with named groups/, handler(ctx) => response]]; control routes get the
 * same ctx and live under /__sim/. Hooks: before(ctx) may return a response (rate limits, bans)
 * and runs ahead of injected failures, so those calls still count towards partner limits.
 */
export function createSimServer({ name, routes, control = [], before, getState, reset, quiet = true, bodyLimit = 64 * 1024 * 1024 }) {
  let calls = [];
  let failures = [];
  // Seeded random faults (the soak); scripted ones stay in `failures`.
  const faults = createFaultPlan(name);

  const base = {
    calls: () => calls,
    faults,
    resetCalls() {
      calls = [];
      failures = [];
    },
  };

  const builtinControl = [
    ["GET", /^\/__sim\/state$/, () => json(200, { calls, failures_pending: failures, ...getState() })],
    ["POST", /^\/__sim\/reset$/, async () => {
      base.resetCalls();
      faults.reset();
      await reset();
      return json(200, { ok: true });
    }],
    ["GET", /^\/__sim\/faults$/, () => json(200, faults.state())],
    ["POST", /^\/__sim\/faults$/, (ctx) => json(200, faults.configure(ctx.json()))],
    ["POST", /^\/__sim\/fail$/, (ctx) => {
      const b = ctx.json();
      const rules = Array.isArray(b) ? b : [b];
      for (const r of rules) {
        if (!r || typeof r.path !== "string" || !Number.isInteger(r.status)) {
          return json(400, { error: "BAD_RULE", message: "need {path: regex, status: int (0 = reset the connection), times?, method?, body?, headers?, after?, late?, hold_ms?, drop_ms?}" });
        }
        failures.push({ method: r.method?.toUpperCase() ?? null, path: r.path, status: r.status, times: r.times ?? 1, body: r.body ?? "", headers: r.headers ?? {}, after: Boolean(r.after), late: Boolean(r.late), holdMs: Number(r.hold_ms ?? 0), dropMs: r.drop_ms == null ? null : Number(r.drop_ms) });
      }
      return json(200, { ok: true, pending: failures.length });
    }],
  ];

  function takeFailure(method, path) {
    const f = failures.find((r) => (!r.method || r.method === method) && new RegExp(r.path).test(path) && r.times > 0);
    if (!f) return null;
    f.times -= 1;
    failures = failures.filter((r) => r.times > 0);
    const body = typeof f.body === "string" ? Buffer.from(f.body) : Buffer.from(JSON.stringify(f.body));
    const ct = typeof f.body === "string" ? "text/plain; charset=utf-8" : "application/json";
    return { phase: f.late ? "late" : f.after ? "after" : "before", status: f.status, holdMs: f.holdMs, dropMs: f.dropMs, response: { status: f.status, headers: { "content-type": ct, ...f.headers }, body } };
  }

  function faultResponse(f) {
    return f.response ?? json(f.status, { error: "SIM_FAULT", message: `injected fault: ${f.kind}` }, f.headers ?? {});
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://sim");
    const path = url.pathname;
    const method = req.method.toUpperCase();
    const at = new Date().toISOString();
    const isControl = path.startsWith("/__sim/");
    let response;
    let fault = null;
    try {
      const { body, size } = await readBody(req, bodyLimit);
      const ctx = {
        req,
        method,
        url,
        path,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        size,
        params: {},
        json() {
          try {
            return JSON.parse(body.toString("utf8") || "null");
          } catch {
            throw new Reply(json(400, { error: "BAD_JSON", message: "body is not JSON" }));
          }
        },
      };
      const table = isControl ? [...builtinControl, ...control] : routes;
      if (!isControl && before) response = await before(ctx);
      if (!response && !isControl) {
        fault = takeFailure(method, path) ?? faults.decide(method, path);
        // A "before" fault: the partner never handled the request.
        if (fault && fault.phase === "before") response = fault.status === 0 ? { reset: true } : faultResponse(fault);
      }
      // A "late" fault: the partner sits on the request past the caller's timeout, then does the
      // work anyway (the caller has given up by then), then the connection drops.
      // With `dropMs` the connection drops first (the caller sees no answer) and the work is
      // done `holdMs` after the request came: the same late store, without a 60 s wait in tests.
      if (!response && fault && fault.phase === "late" && fault.dropMs != null) setTimeout(() => req.socket.destroy(), fault.dropMs);
      if (!response && fault && fault.phase === "late" && fault.holdMs) await new Promise((r) => setTimeout(r, fault.holdMs));
      if (!response) {
        let pathMatched = false;
        for (const [m, re, handler] of table) {
          const hit = re.exec(path);
          if (!hit) continue;
          pathMatched = true;
          if (m !== method && m !== "*") continue;
          ctx.params = Object.fromEntries(Object.entries(hit.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
          response = await handler(ctx);
          break;
        }
        if (!response) response = notFound(pathMatched);
      }
    } catch (err) {
      if (err instanceof Reply) response = err.response;
      else {
        if (!quiet) console.error(`[${name}]`, err);
        response = json(500, { error: "SIM_ERROR", message: String(err?.message ?? err) });
      }
    }
    // An "after" fault: the partner did the work (stored, renamed, recorded); the answer is lost
    // (reset, or held past the caller's patience and then dropped) or replaced by an error.
    if (fault && (fault.phase === "after" || fault.phase === "late" || response.reset)) {
      if (fault.status === 0) {
        calls.push({ method, path, query: Object.fromEntries(url.searchParams), status: 0, fault: fault.kind ?? "reset", at });
        if (fault.holdMs && fault.phase !== "late") await new Promise((r) => setTimeout(r, fault.holdMs));
        req.socket.destroy();
        return;
      }
      response = faultResponse(fault);
    }
    if (!isControl) calls.push({ method, path, query: Object.fromEntries(url.searchParams), status: response.status, ...(fault ? { fault: fault.kind ?? "scripted" } : {}), at });
    if (response.stream) {
      // A generated body, written as the client reads it (a file larger than memory).
      res.writeHead(response.status, response.headers);
      await response.stream(res);
      return;
    }
    const headers = { ...response.headers, "content-length": String(response.body?.length ?? 0) };
    res.writeHead(response.status, headers);
    res.end(response.body ?? undefined);
    if (!quiet && !isControl) console.log(`[${name}] ${method} ${path} → ${response.status}`);
  });

  function notFound(pathMatched) {
    return pathMatched ? json(405, { error: "METHOD_NOT_ALLOWED", message: "method not allowed" }) : json(404, { error: "NOT_FOUND", message: "no such endpoint" });
  }

  return {
    server,
    ...base,
    listen(port = 0, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.removeListener("error", reject);
          resolve(`http://${host}:${server.address().port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}
