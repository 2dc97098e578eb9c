// UPN's codes (contracts/upn.md) and what each means for the TMS.

export type TmsStopStatus = "AT_STOP" | "COMPLETED";

/** Only arrival and delivery move the TMS stop; every other stage is data on it. */
export const STAGE_TO_STOP_STATUS: Partial<Record<string, TmsStopStatus>> = {
  ARR: "AT_STOP",
  DEL: "COMPLETED",
};

/** UPN's stage names, for an event that arrives without its `stage` text. */
export const STAGE_NAMES: Record<string, string> = {
  BKD: "Booked",
  OFD: "Out for delivery",
  ARR: "Arrived",
  UNL: "Unloaded",
  DEL: "Delivered",
  CRD: "Carded",
  CMP: "Complaint raised",
};

/** A pallet-level event's scan status on its handling unit (tms-qargo.md "Pallet scans"). */
export type ScanStatus = "SCANNED_IN" | "STORED" | "SCANNED_OUT";
export const STAGE_TO_SCAN_STATUS: Partial<Record<string, ScanStatus>> = {
  ARR: "SCANNED_IN",
  UNL: "STORED",
  OFD: "SCANNED_OUT",
  DEL: "SCANNED_OUT",
};

/** Stages an operator should notice (the driver could not deliver, the customer complained). */
export const EXCEPTION_STAGES = new Set<string>(["CRD", "CMP"]);

/** UPN's action names in `403 ACTION_NOT_ENABLED`, in the words an operator would use. */
export const ACTION_LABELS: Record<string, string> = {
  tracking: "tracking",
  image_download: "delivery images (image_download)",
  epod: "ePOD",
};

/** UPN refuses images above this. */
// "Up to 10 MB an image" (upn.md): decimal megabytes.
export const MAX_IMAGE_BYTES = 10_000_000;

export const UPN_CUSTOMER_CODE = "UPN";
export const UPN_BARCODE_SOURCE = "UPN";

/** A UPN consignment barcode, checked wherever one enters (TMS webhook, consignment list, tracking). */
export const BARCODE_FORMAT = { pattern: /^[A-Za-z0-9]{4,40}$/, words: "a UPN barcode is 4 to 40 letters and digits (e.g. UPN0451234567)" };
