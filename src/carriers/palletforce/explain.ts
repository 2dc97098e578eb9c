// Palletforce's error codes (palletforce.md) as an operator should read them.

const BY_CODE: Record<string, string> = {
  AUTH: "Palletforce refused our access key. Check PALLETFORCE_ACCESS_KEY with Palletforce and update the secret (wrangler secret put PALLETFORCE_ACCESS_KEY), then replay the failures.",
  VALIDATION: "Palletforce refused the data we sent; its message names the field. Correct the order in the TMS and dispatch it again.",
  NOT_FOUND: "Palletforce does not know this tracking number. Check network_reference on the TMS order (13 digits beginning with a depot code).",
  PALLETFORCE_UNREACHABLE: "Palletforce did not answer. It is retried; if it lasts, check Palletforce's service status.",
  PALLETFORCE_BAD_ANSWER: "Palletforce answered in a shape the connector does not know. It is retried; if it lasts, raise it with Palletforce IT.",
  PALLETFORCE_BAD_PAGE: "Palletforce's consignment list was not in the expected shape. It is retried on the next pass; if it lasts, raise it with Palletforce IT.",
};

export function explainPalletforce(code: string): string | null {
  return BY_CODE[code] ?? null;
}
