import { env } from "cloudflare:test";

/** A fixture file's bytes, from the static server test/global-setup.ts starts. */
export async function fixture(name: string): Promise<Uint8Array> {
  const res = await fetch(`${env.FIXTURES_URL}/${name}`);
  if (!res.ok) throw new Error(`fixture ${name}: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
