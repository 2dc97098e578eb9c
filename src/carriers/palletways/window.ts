// The Durable Object that holds a tracking ID's catch-up window.
export function windowStub(env: Env, trackingId: string) {
  return env.PALLETWAYS_WINDOW.get(env.PALLETWAYS_WINDOW.idFromName(trackingId));
}
