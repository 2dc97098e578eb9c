// Palletforce's codes (palletforce.md) and what each means for the TMS.

export const NETWORK = "palletforce";
export const LABEL = "Palletforce";
export const ORDER_FIELD_VALUE = "PALLETFORCE";
export const CUSTOMER_CODE = "PALLETFORCE";
export const BARCODE_SOURCE = "PALLETFORCE";

/** A tracking number: 13 digits, the first three the collection depot's code. */
export const TRACKING_NUMBER = /^\d{13}$/;

/** Which stop an event moves, and to what, by our role in the consignment. */
export type StopType = "PICKUP" | "DELIVERY";
export type StopStatus = "AT_STOP" | "COMPLETED";
export interface StopMove {
  stop: StopType;
  status: StopStatus;
}

export const DELIVERED_CODES = new Set(["POD", "PODD", "PODE"]);
export const EXCEPTION_CODES = new Set(["DMGD", "ABRT"]);

/** A booking of ours (we collect): the consignment goes through the network to someone else. */
export const COLLECTING_MOVES: Record<string, StopMove> = {
  SCOT: { stop: "PICKUP", status: "COMPLETED" },
  ARDL: { stop: "DELIVERY", status: "AT_STOP" },
  POD: { stop: "DELIVERY", status: "COMPLETED" },
  PODD: { stop: "DELIVERY", status: "COMPLETED" },
  PODE: { stop: "DELIVERY", status: "COMPLETED" },
  DMGD: { stop: "DELIVERY", status: "COMPLETED" },
  ABRT: { stop: "DELIVERY", status: "COMPLETED" },
};

/** An imported consignment (we deliver): only the network's proof of collection moves a stop. */
export const DELIVERING_MOVES: Record<string, StopMove> = {
  POC: { stop: "PICKUP", status: "COMPLETED" },
};

/** Pallet scans on an imported consignment's handling units: the scan status for the code. */
export const SCAN_STATUS: Record<string, "SCANNED_IN" | "STORED" | "SCANNED_OUT"> = {
  ARRD: "SCANNED_IN",
};

/** Codes after which a consignment is complete and no longer tracked. */
export const FINAL_CODES = new Set([...DELIVERED_CODES, ...EXCEPTION_CODES]);

/** Palletforce's event names, for an event that arrives without its description. */
export const EVENT_NAMES: Record<string, string> = {
  SCOT: "Scanned out of collection depot",
  ARRD: "Arrived at delivery depot",
  ARDL: "Arrived at delivery address",
  POC: "Proof of collection",
  DONR: "Delivery depot collected from the network",
  POD: "Proof of delivery",
  PODD: "Proof of delivery (damaged)",
  PODE: "Proof of delivery (electronic)",
  DMGD: "Damaged",
  ABRT: "Delivery aborted",
};

/** Our own scans (statuses we send as the delivering depot). */
export type OurScanCode = "DONR" | "ARDL" | "POD";

/** A consignment still incomplete this long after its booking or import needs a person. */
export const INCOMPLETE_LIMIT_MS = 14 * 24 * 3_600_000;
