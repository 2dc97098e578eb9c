// UPN's error codes (upn.md) as an operator should read them.

const BY_CODE: Record<string, string> = {
  ACTION_NOT_ENABLED:
    "UPN has not switched this action on for our depot. Ask UPN IT to enable it for our API key (tracking, image download or ePOD, as the message says), then replay the failures.",
  INVALID_API_KEY: "UPN refused our API key. Check UPN_API_KEY with UPN and update the secret, then replay the failures.",
  EPOD_REQUIRED: "UPN wants the signed ePOD before any photo. It is sent when the TMS has the consignee signature; replay this once it has gone.",
  CONSIGNMENT_NOT_FOUND: "UPN does not know this consignment barcode. Check the reference on the TMS order, then replay.",
  FILE_TOO_LARGE: "The image is over UPN's 10 MB limit. Send a smaller copy from the TMS.",
};

export function explainUpn(code: string): string | null {
  return BY_CODE[code] ?? null;
}
