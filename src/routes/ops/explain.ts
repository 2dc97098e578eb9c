// Turns a stored error into what an operator at 6 a.m. should do about it. The carrier code
// records an `action` when it knows one (PermanentError); otherwise the partner's error code or
// the HTTP status in the message is enough to say whether waiting will fix it.

const BY_CODE: Record<string, string> = {
  ACTION_NOT_ENABLED:
    "UPN has not switched this action on for our depot. Ask UPN IT to enable it for our API key (tracking, image download or ePOD, as the message says), then replay the failures.",
  INVALID_API_KEY: "The network refused our API key. Check the key with the network and update the secret, then replay the failures.",
  UNAUTHORIZED: "The network refused our key or depot code. Check the key and depot settings with the network, then replay the failures.",
  EPOD_REQUIRED: "UPN wants the signed ePOD before any photo. It is sent when the TMS has the consignee signature; replay this once it has gone.",
  CONSIGNMENT_NOT_FOUND: "The network does not know this consignment reference. Check the reference on the TMS order, then replay.",
  FILE_TOO_LARGE: "The file is over the network's size ceiling even after compression. Send a smaller copy from the TMS.",
  UNSUPPORTED_MEDIA_TYPE: "The network does not take this file type. Attach it in the TMS as JPEG, PNG or PDF.",
  COP_UPLOAD_NOT_ALLOWED: "Hazchem only takes customer paperwork from the collecting depot. Nothing to do unless the depot role on the order is wrong.",
  RATE_LIMITED: "The network asked us to slow down. The work waits and continues by itself.",
};

export function explain(message: string | null, code?: string | null, action?: string | null): string | null {
  if (action) return action;
  if (!message && !code) return null;
  const text = `${code ?? ""} ${message ?? ""}`;
  for (const [k, v] of Object.entries(BY_CODE)) if (text.includes(k)) return v;
  if (/no handler for job kind/i.test(text)) return "This version of the connector cannot do this kind of work yet. Replay it after the next deployment.";
  if (/\b(401|403)\b/.test(text)) return "The partner refused our credentials or their permissions. Check the secret and the account's access with that partner, then replay.";
  if (/\b429\b|banned|rate limit/i.test(text)) return "A partner rate limit was hit. The work waits; replay anything that ran out of retries once it has passed.";
  if (/\b5\d\d\b|timed? ?out|ECONN|network connection|fetch failed/i.test(text)) return "The partner was unreachable or failing. It is retried by itself; replay it once the partner is back.";
  return null;
}
