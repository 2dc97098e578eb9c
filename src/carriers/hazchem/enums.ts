// Hazchem's vocabulary (contracts/hazchem.md). Only src/carriers/hazchem/ knows these.

export const UPLOAD_TYPES = ["DELIVERY_IMAGE", "COP", "POD"] as const;
export type UploadType = (typeof UPLOAD_TYPES)[number];

/** What Hazchem accepts per upload type; anything else it answers 415. */
export const ACCEPTED_FORMATS: Record<UploadType, readonly string[]> = {
  DELIVERY_IMAGE: ["image/jpeg"],
  COP: ["image/tiff", "application/pdf"],
  POD: ["application/pdf", "image/jpeg", "image/tiff"],
};

/** Feed document types we pull into the TMS, and the TMS document type each becomes. */
export const FEED_TYPES = {
  DELIVERY_IMAGE: "PHOTO_OF_GOODS_DELIVERY",
  COP: "CUSTOMER_PAPERWORK",
} as const;
export type FeedType = keyof typeof FEED_TYPES;

/** The D1 cursor row for GET /v1/documents?since=. */
export const FEED_CURSOR = "hazchem.documents";

/** A Hazchem consignment number, checked wherever one enters (TMS webhook, the document feed). */
export const CONSIGNMENT_FORMAT = { pattern: /^[A-Za-z0-9][A-Za-z0-9-]{2,39}$/, words: "a Hazchem consignment number is 3 to 40 letters, digits and hyphens (e.g. HZ7781234)" };
