// The soak's bookings workload (issue 21): Palletways bookings from TMS subcontractor dispatches,
// under the soak's seeded faults, which on Palletways include store-then-fail on
// createconsignment ("5xx-after-store", "reset-after-store", "timeout"): the cases where a
// blind retry would book twice. The soak (scripts/soak.mjs, owned elsewhere) wires it in:
//
//   import { bookingsWorkload } from "./soak/bookings.mjs";
//   const bookings = bookingsWorkload({ urls, base, rand, ref, post, sleep, items });
//   scenarios.palletwaysBooking = bookings.scenario;                       // in `scenarios`
//   default: count = bookings.count(it, { q, pw }); break;                  // in check()'s switch
//   bookedTwice = bookings.bookedTwice(pw);                                // beside lost/duplicated/stuck,
//                                                                          // printed as "booked twice 0", and part of the exit code
//   bookings.references(it, pw).some((r) => openBy(it.network, r, [...]))  // for failed/stuck: the booking's work
//                                                                          // runs under the order name, then the tracking ID
//
// Each scenario dispatches one order the way Qargo does (resending, as a planner would, while
// the answer is "still booking" or the door is unreachable), then has Palletways move the
// consignment to 900. Items: the booking itself (exactly one consignment at Palletways for the
// order), its labels on the pickup stop, its POD on the delivery stop.
import { palletwaysDispatch } from "../../sandbox/qargo-dispatches.mjs";

export const KINDS = {
  booking: "TMS dispatch → Palletways booking",
  labels: "Palletways labels → pickup stop",
  pod: "Palletways POD → delivery stop",
};

/**
 * @param {{ urls: Record<string, string>, base: string, rand: () => number, ref: (prefix: string, digits?: number) => string,
 *   post: (url: string, body: unknown) => Promise<any>, sleep: (ms: number) => Promise<void>, items: object[] }} h
 */
export function bookingsWorkload({ urls, base, rand, ref, post, sleep, items }) {
  async function dispatchUntilAnswered(dispatch) {
    for (let i = 0; i < 20; i++) {
      const r = await post(`${urls.qargo}/__sim/dispatch`, { target: `${base}/webhooks/tms/dispatch/palletways`, body: dispatch });
      const errors = r?.body?.errors;
      if (r?.status === 200 && Array.isArray(errors) && (errors.length === 0 || errors[0].error_type !== "INTERNAL_ERROR")) return errors;
      // "still booking", or the door did not answer: ask again later, as the planner would.
      await sleep(5_000 + Math.floor(rand() * 5_000));
    }
    return null;
  }

  async function trackingId(orderName) {
    for (let i = 0; i < 60; i++) {
      const pw = await fetch(`${urls.palletwaysControl}/__sim/state`).then((r) => r.json());
      const c = pw.booking.consignments.find((x) => x.ConNo === orderName);
      if (c) return c.TrackingID;
      await sleep(2_000);
    }
    return null;
  }

  return {
    async scenario() {
      const orderName = ref("OR-SK", 9);
      const lifts = 1 + Math.floor(rand() * 4);
      const dispatch = palletwaysDispatch({ orderName, goods: [{ quantity: lifts, total_weight_kg: 150 + Math.floor(rand() * 250 * lifts), packaging: "PALLET", units: lifts }] });
      const con = dispatch.payload.orders[0].consignments[0];
      items.push({ kind: KINDS.booking, network: "palletways", reference: orderName, orderName });
      items.push({ kind: KINDS.labels, network: "palletways", reference: orderName, orderName, stopId: con.pickup_stop.id });
      items.push({ kind: KINDS.pod, network: "palletways", reference: orderName, orderName, stopId: con.delivery_stop.id });
      await dispatchUntilAnswered(dispatch);
      // A repeated dispatch, byte for byte, now and then: answered with the booking, never booked again.
      if (rand() < 0.25) await dispatchUntilAnswered(dispatch);
      const tid = await trackingId(orderName);
      if (!tid) return;
      await sleep(5_000);
      await post(`${urls.palletwaysControl}/__sim/booking/progress`, { trackingId: tid, at: new Date(Date.now() - 10 * 60_000).toISOString(), stepMinutes: 2 });
    },

    /** How many times the item reached its destination (1 = delivered, 0 = not yet, > 1 = twice). */
    count(it, { q, pw }) {
      if (it.kind === KINDS.booking) return pw.booking.consignments.filter((c) => c.ConNo === it.orderName).length;
      if (it.kind === KINDS.labels) return q.stop_files.filter((f) => f.stop_id === it.stopId && f.question_path_key === "LABEL").length;
      if (it.kind === KINDS.pod) return q.stop_files.filter((f) => f.stop_id === it.stopId && f.question_path_key === "POD").length;
      return undefined;
    },

    /** The references the item's work runs under: the order name (booking), then the tracking ID (what follows). */
    references(it, pw) {
      const tid = pw.booking.consignments.find((c) => c.ConNo === it.orderName)?.TrackingID;
      return tid ? [it.reference, tid] : [it.reference];
    },

    /** Order numbers Palletways holds more than one consignment for: must be 0. */
    bookedTwice(pw) {
      return pw.booking.booked_twice.length;
    },
  };
}
