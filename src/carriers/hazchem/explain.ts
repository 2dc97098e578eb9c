// Hazchem's error codes (hazchem.md) as an operator should read them.

const BY_CODE: Record<string, string> = {
  UNAUTHORIZED: "Hazchem refused our key or depot code. Check HAZCHEM_API_KEY and HAZCHEM_DEPOT with Hazchem, then replay the failures.",
  CONSIGNMENT_NOT_FOUND: "Hazchem does not know this consignment number. Check the reference on the TMS order, then replay.",
  FILE_TOO_LARGE: "The file is over Hazchem's size ceiling even after compression. Send a smaller copy from the TMS.",
  UNSUPPORTED_MEDIA_TYPE: "Hazchem does not take this file type. Attach it in the TMS as JPEG, TIFF or PDF.",
  COP_UPLOAD_NOT_ALLOWED: "Hazchem only takes customer paperwork from the collecting depot. Nothing to do unless the depot role on the order is wrong.",
};

export function explainHazchem(code: string): string | null {
  return BY_CODE[code] ?? null;
}
