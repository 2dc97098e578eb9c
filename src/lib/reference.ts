// A network reference (tracking ID, barcode, consignment number) arrives in data we do not
// control (a TMS order's custom field, a partner's list) and becomes part of partner URLs
// (…/consignments/{barcode}/epod), FTP file names and D1 keys. `..`, a slash or a query
// character there would aim our key at another endpoint, so every reference is checked where
// it enters: against its network's own format, and always against this safe alphabet.

export interface ReferenceFormat {
  pattern: RegExp;
  /** What a good one looks like, in words: "6 to 20 digits (e.g. 60012340167)". */
  words: string;
}

/** The alphabet every reference must keep to, whatever its network. */
export const SAFE_REFERENCE: ReferenceFormat = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
  words: "up to 64 letters, digits, '-' and '_'",
};

/** Null when `reference` may be used; else why not, in words that name the network. */
export function referenceProblem(reference: string, label: string, format: ReferenceFormat = SAFE_REFERENCE): string | null {
  if (SAFE_REFERENCE.pattern.test(reference) && format.pattern.test(reference)) return null;
  const shown = JSON.stringify(reference.length > 40 ? `${reference.slice(0, 40)}…` : reference);
  return `${shown} is not a ${label} reference: ${format.words} expected`;
}
