// Palletways bookings from TMS subcontractor dispatches (issue 21): the `book` helper's workload
// (scripts/soak/bookings.mjs), listed here as a module. A booking counted twice at Palletways is
// "duplicated" like any other item (and Palletways' own booked_twice list is printed beside it).
import { KINDS, bookingsWorkload } from "../bookings.mjs";

let workload = null;

export default {
  name: "palletwaysBooking",
  kinds: [KINDS.booking, KINDS.labels, KINDS.pod],
  run(ctx) {
    workload ??= bookingsWorkload(ctx);
    return workload.scenario();
  },
  count: (it, w) => bookingsWorkload({}).count(it, { q: w.qargo, pw: w.palletways }) ?? 0,
};
