import { carrierFor } from "../carriers";

// Turns a stored error into what an operator at 6 a.m. should do about it. The code that failed
// records an `action` when it knows one (PermanentError); otherwise the network's own words for
// its error code, then the HTTP status in the message, say whether waiting will fix it.

const CODE_WORD = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g;

export function explain(network: string | null, message: string | null, code?: string | null, action?: string | null): string | null {
  if (action) return action;
  if (!message && !code) return null;
  const carrier = network ? carrierFor(network) : undefined;
  const text = `${code ?? ""} ${message ?? ""}`;
  if (carrier) {
    for (const word of [code, ...(text.match(CODE_WORD) ?? [])]) {
      const advice = word ? carrier.explain(word) : null;
      if (advice) return advice;
    }
  }
  if (/\bRATE_LIMITED\b/.test(text)) return "The network asked us to slow down. The work waits and continues by itself.";
  if (/no handler for job kind/i.test(text)) return "This version of the connector cannot do this kind of work yet. Replay it after the next deployment.";
  if (/\b(401|403)\b/.test(text)) return "The partner refused our credentials or their permissions. Check the secret and the account's access with that partner, then replay.";
  if (/\b429\b|banned|rate limit/i.test(text)) return "A partner rate limit was hit. The work waits; replay anything that ran out of retries once it has passed.";
  if (/\b5\d\d\b|timed? ?out|ECONN|network connection|fetch failed/i.test(text)) return "The partner was unreachable or failing. It is retried by itself; replay it once the partner is back.";
  return null;
}
