import { DeferError } from "../errors";

// A Worker invocation may hold at most 6 open connections; the queue consumer runs 3 jobs at
// once and one FTP session is 2 sockets (control + data). Two sessions per isolate leave the
// rest for the TMS and partner HTTP calls. Per isolate rather than per invocation is stricter
// (several invocations may share an isolate), never looser.

export const MAX_FTP_SESSIONS = 2;
/** An invocation cannot live longer than this (queue consumer wall clock), so a holder older
 *  than it was cancelled without running its `finally`: its slot is taken back. */
const STALE_HOLD_MS = 15 * 60_000;
const RECHECK_MS = 1_000;

const holders = new Map<symbol, number>();
const wakers = new Set<() => void>();

function freeSlot(now: number): boolean {
  for (const [token, since] of holders) if (now - since > STALE_HOLD_MS) holders.delete(token);
  return holders.size < MAX_FTP_SESSIONS;
}

/**
 * Runs `fn` while holding one of the isolate's FTP session slots. Waiting longer than `maxWaitMs`
 * defers the job (not a failed attempt): the server is not at fault when we are busy.
 */
export async function withFtpSession<T>(fn: () => Promise<T>, maxWaitMs = 120_000): Promise<T> {
  const deadline = Date.now() + maxWaitMs;
  while (!freeSlot(Date.now())) {
    if (Date.now() > deadline) throw new DeferError("all FTP sessions of this Worker are busy; the upload waits its turn", 30_000);
    // Woken by a release, or re-checks on a timer in case a holder vanished with its invocation.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, RECHECK_MS);
      function done() {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      }
      wakers.add(done);
    });
  }
  const token = Symbol("ftp-session");
  holders.set(token, Date.now());
  try {
    return await fn();
  } finally {
    holders.delete(token);
    for (const wake of [...wakers]) wake();
  }
}

/** For tests: sessions held right now in this isolate. */
export function ftpSessionsInUse(): number {
  return holders.size;
}
