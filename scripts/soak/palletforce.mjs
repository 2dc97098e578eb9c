// The soak's Palletforce workload (scripts/soak.mjs imports it; the `order` helper owns the
// soak itself). Three kinds of work, each checked against what the simulators recorded:
//   - a booking through the dispatch door (re-sent by the harness while the answer is "still
//     booking", as a planner would): booked once at Palletforce, whatever the faults;
//   - its tracking: both pallets scanned out, arrived and delivered, in events read every third
//     cron pass: the pickup and delivery stops move once each, and never back (no AT_STOP sent
//     after the delivery stop's COMPLETED);
//   - our scans for a consignment we deliver: DONR, ARDL and POD, each webhook sent twice, land
//     once each at Palletforce.
//
// Listed as a module in scripts/soak/workloads/palletforce.mjs; scripts/soak.mjs starts the
// Palletforce simulator's faults with the other partners', reads its state into `world.palletforce`,
// and checks the moved stops (items with a `stopId`) for steps back with the UPN ones.
import { palletwaysDispatch, sendDispatch } from "../../sandbox/qargo-dispatches.mjs";
import { palletOrder } from "../../sandbox/qargo-webhooks.mjs";

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function stopUpdate(order, stopType, status, at) {
  const stops = order.stops.map((s) => (s.stop_type === stopType ? { ...s, status, actual_start_timestamp: at, ...(status === "COMPLETED" ? { actual_end_timestamp: at } : {}) } : s));
  const stop = stops.find((s) => s.stop_type === stopType);
  return { events: [{ timestamp: at, update: { id: stop.id, type: "Stop", stop } }], order: { ...order, stops }, trip: null };
}

export const palletforceSoak = {
  // Every read is repeatable and a booking is keyed by its transaction number: any fault may hit any call.
  faults: {},

  scenarios({ urls, env, base, post, webhook, ref, items, sleep }) {
    return {
      async palletforceBooking() {
        const d = palletwaysDispatch({ orderName: ref("OR-PF", 8), goods: [{ quantity: 2, total_weight_kg: 700, packaging: "PALLET", units: 2 }] });
        const o = d.payload.orders[0];
        const c = o.consignments[0];
        await post(`${urls.qargo}/__sim/orders`, { id: o.id, order_name: o.name, stops: [{ id: c.pickup_stop.id, stop_type: "PICKUP" }, { id: c.delivery_stop.id, stop_type: "DELIVERY" }], consignments: [{ goods: [] }] });
        items.push({ kind: "Palletforce booking", network: "palletforce", reference: o.name, key: o.id, orderId: o.id });
        let answer;
        for (let i = 0; i < 20; i++) {
          answer = await sendDispatch({ base, network: "palletforce", dispatch: d, user: env.INBOUND_BASIC_USER, password: env.INBOUND_BASIC_PASSWORD }).catch((e) => ({ status: 0, body: { errors: [{ error_message: e.message }] } }));
          if (answer.status === 200 && answer.body.errors.length === 0) break;
          await sleep(3_000);
        }
        const pf = await (await fetch(`${urls.palletforce}/__sim/state`)).json();
        const tn = pf.bookings.find((b) => b.uniqueTransactionNumber === o.id)?.trackingNumber;
        if (!tn) return;
        const t0 = Date.now() - 3_600_000;
        await post(`${urls.palletforce}/__sim/events`, [
          { trackingNumber: tn, eventCode: "SCOT", eventDateTime: iso(t0), pallet: 0 },
          { trackingNumber: tn, eventCode: "SCOT", eventDateTime: iso(t0 + 60_000), pallet: 1 },
          // Delivered before the arrivals are read: the arrival must never follow the completion.
          { trackingNumber: tn, eventCode: "POD", eventDateTime: iso(t0 + 40 * 60_000), pallet: 0 },
          { trackingNumber: tn, eventCode: "POD", eventDateTime: iso(t0 + 41 * 60_000), pallet: 1 },
        ]);
        items.push({ kind: "Palletforce move → TMS", network: "palletforce", reference: tn, key: c.pickup_stop.id, stopId: c.pickup_stop.id, status: "COMPLETED", pickup: true });
        items.push({ kind: "Palletforce move → TMS", network: "palletforce", reference: tn, key: c.delivery_stop.id, stopId: c.delivery_stop.id, status: "COMPLETED", deliveryStopId: c.delivery_stop.id });
        await sleep(20_000);
        await post(`${urls.palletforce}/__sim/events`, [
          { trackingNumber: tn, eventCode: "ARDL", eventDateTime: iso(t0 + 30 * 60_000), pallet: 0 },
          { trackingNumber: tn, eventCode: "ARDL", eventDateTime: iso(t0 + 31 * 60_000), pallet: 1 },
        ]);
      },

      async palletforceOurScans() {
        const tn = `045${ref("", 10)}`;
        const order = palletOrder({ reference: tn, network: "PALLETFORCE", role: "DELIVERING" });
        const at = Date.now() - 600_000;
        for (const code of ["DONR", "ARDL", "POD"]) items.push({ kind: "our scan → Palletforce", network: "palletforce", reference: tn, key: code, code });
        const bodies = [
          stopUpdate(order, "PICKUP", "COMPLETED", iso(at)),
          stopUpdate(order, "DELIVERY", "AT_STOP", iso(at + 60_000)),
          { events: [{ timestamp: iso(at + 120_000), update: { id: crypto.randomUUID(), type: "Document", status: "CREATED", document: { name: "pod.pdf", document_type: "PROOF_OF_DELIVERY", document_content: { content: Buffer.from("%PDF-1.4").toString("base64"), mime_type: "application/pdf", filename: "pod.pdf" }, subject: {} } } }], order, trip: null },
        ];
        // The TMS re-sends: each update twice, the second with a later event time (a new delivery).
        for (const b of bodies) {
          await webhook(b);
          await webhook({ ...b, events: b.events.map((e) => ({ ...e, timestamp: iso(Date.parse(e.timestamp) + 5_000) })) });
        }
      },
    };
  },

  /** Identical re-sends of a delivered move (same stop, status and event time). */
  repeats(it, { q }) {
    if (it.kind !== "Palletforce move → TMS") return 0;
    const moves = movesFor(it, q);
    return moves.length - new Set(moves.map((u) => u.event_time)).size;
  },

  /** How many times the item reached its destination; undefined for items that are not Palletforce's. */
  count(it, { q, pf }) {
    switch (it.kind) {
      case "Palletforce booking":
        return pf.bookings.filter((b) => b.uniqueTransactionNumber === it.orderId).length;
      case "Palletforce move → TMS":
        // The same move sent again after an unclear answer (same stop, status and event time)
        // is a repeat, counted apart; a second, different move for the stop is a duplicate.
        return new Set(movesFor(it, q).map((u) => u.event_time)).size;
      case "our scan → Palletforce":
        return pf.scans.filter((s) => s.trackingNumber === it.reference && s.eventCode === it.code).length;
      default:
        return undefined;
    }
  },
};

function movesFor(it, q) {
  return q.status_updates.filter((u) => u.update?.stop?.id === it.stopId && u.status === it.status);
}
