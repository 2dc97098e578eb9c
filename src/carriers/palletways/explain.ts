// Palletways' error codes as an operator should read them (codes set by client.ts).

const BY_CODE: Record<string, string> = {
  PALLETWAYS_KEY: "Palletways refused our API key. Check PALLETWAYS_API_KEY with Palletways (the key may lack access to this API), then replay the failures.",
  PALLETWAYS_NOT_AVAILABLE: "Palletways has not enabled the POD image APIs for our key. Ask Palletways to enable podimages/getPodByTrackingId, then replay the failures.",
};

export function explainPalletways(code: string): string | null {
  return BY_CODE[code] ?? null;
}
