// A second reference for the intake benchmark: a bare route that makes one D1 insert, i.e. the
// least any intake that records before answering can do on this runtime.
export default {
  async fetch(req: Request, env: { DB: D1Database }): Promise<Response> {
    const body = await req.text();
    await env.DB.prepare("INSERT INTO received (id, bytes) VALUES (?, ?)").bind(crypto.randomUUID(), body.length).run();
    return Response.json({ ok: true });
  },
};
