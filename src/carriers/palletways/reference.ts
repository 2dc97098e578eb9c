/** A Palletways tracking ID, checked wherever one enters (TMS webhook, status notes). */
export const TRACKING_ID_FORMAT = { pattern: /^[0-9]{6,20}$/, words: "a Palletways tracking ID is 6 to 20 digits (e.g. 60012340167)" };
