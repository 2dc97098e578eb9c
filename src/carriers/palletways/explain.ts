// Palletways' error codes as an operator should read them (codes set by client.ts and the
// booking's booking-client.ts / booking-job.ts).

const BY_CODE: Record<string, string> = {
  PALLETWAYS_KEY: "Palletways refused our API key. Check PALLETWAYS_API_KEY with Palletways (the key may lack access to this API), then replay the failures.",
  PALLETWAYS_NOT_AVAILABLE: "Palletways has not enabled the POD image APIs for our key. Ask Palletways to enable podimages/getPodByTrackingId, then replay the failures.",
  PALLETWAYS_NO_ACCOUNT: "Booking needs PALLETWAYS_ACCOUNT. Set it, then replay the failures (or let the planner dispatch again).",
  PALLETWAYS_FORMAT_INVALID: "Palletways could not read the manifest we sent (a fault on our side). Keep the manifest shown on the consignment page and report it; a new dispatch of the order books again.",
  PALLETWAYS_UNCLEAR: "A booking had no clear answer and the look-up by consignment number failed too. Nothing is committed again until the look-up answers; the retries carry on by themselves.",
  PALLETWAYS_NOT_LISTED: "Palletways took the booking but does not list it by number yet, so its tracking ID is unknown. The retries ask again; if it persists, find the consignment in the Palletways portal.",
  PALLETWAYS_NO_POD: "Palletways says the job is complete but has no POD yet. Replay once the POD shows in the Palletways portal.",
};

export function explainPalletways(code: string): string | null {
  return BY_CODE[code] ?? null;
}
