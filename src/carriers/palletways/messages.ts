// Palletways answers errors as plain text, whatever the status code (palletways.md).

export const NOT_FOUND = "ERROR: POD not found for this ID.";
const NO_KEY = "API Key not specified.";
const NOT_AUTHORISED = "The API key provided is not authorised to use the requested API.";
const NOT_AVAILABLE = "The requested API is not available.";

type PlainTextError = { kind: "not_found" | "no_key" | "not_authorised" | "not_available" | "error"; text: string };

/** A body that starts with `ERROR:` or is one of the known sentences is an error, even under 200. */
export function classifyText(body: string): PlainTextError | null {
  const t = body.trim();
  if (t.startsWith(NOT_FOUND) || /^ERROR:\s*POD not found/i.test(t)) return { kind: "not_found", text: t };
  if (t.startsWith(NO_KEY)) return { kind: "no_key", text: t };
  if (t.startsWith(NOT_AUTHORISED)) return { kind: "not_authorised", text: t };
  if (t.startsWith(NOT_AVAILABLE)) return { kind: "not_available", text: t };
  if (/^ERROR:/i.test(t)) return { kind: "error", text: t.slice(0, 300) };
  return null;
}
