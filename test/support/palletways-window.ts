import { env, runInDurableObject } from "cloudflare:test";

// Time travel for a catch-up window: make its next pending fetch due now and wake its alarm.
// The window's own logic (which attempt, what to fetch, what is new) runs untouched.
export async function advanceWindow(trackingId: string): Promise<boolean> {
  const stub = env.PALLETWAYS_WINDOW.get(env.PALLETWAYS_WINDOW.idFromName(trackingId));
  return runInDurableObject(stub, async (_obj, state) => {
    const st = await state.storage.get<{ attempts: { due: number; done: boolean }[] }>("window");
    const next = st?.attempts.find((a) => !a.done);
    if (!st || !next) return false;
    next.due = Date.now();
    await state.storage.put("window", st);
    await state.storage.setAlarm(Date.now());
    return true;
  });
}

export async function windowState(trackingId: string) {
  const stub = env.PALLETWAYS_WINDOW.get(env.PALLETWAYS_WINDOW.idFromName(trackingId));
  return stub.status();
}
