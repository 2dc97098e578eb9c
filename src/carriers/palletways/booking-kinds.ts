// The booking's job kinds, in a module of their own that imports nothing: the job declarations
// and the code that queues them import each other, and a kind must exist before either runs.

export const BOOK_JOB = "palletways.book";
export const LINK_JOB = "palletways.booking-link";
export const LABELS_JOB = "palletways.booking-labels";
export const STATUS_JOB = "palletways.booking-status";
export const POD_JOB = "palletways.booking-pod";
