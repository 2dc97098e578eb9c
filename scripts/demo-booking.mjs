// Demo for `npm start`: one Palletways booking end to end, the way it happens in production.
// The simulated Qargo sends a subcontractor dispatch to the running connector, which books it
// with the simulated Palletways (createconsignment, then the tracking ID by number), writes the
// tracking ID back and puts the labels on the pickup stop; then Palletways moves the
// consignment 300 → 700 → 800 → 900 and the cron applies each note to the trip's stops, with
// the POD on the delivery stop at 900.
import { palletwaysDispatch } from "../sandbox/qargo-dispatches.mjs";

async function post(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url} → ${res.status} ${await res.text()}`);
  return res.json().catch(() => null);
}

export async function seedBookingDemo({ base, sandbox }) {
  const { urls } = sandbox;
  const orderName = "OR-50001";
  const dispatch = palletwaysDispatch({
    orderName,
    customerReference: "PO 50001",
    planningInstructions: "Goods in closes 15:00",
    delivery: { email: "goodsin@bobsbuilders.example", extras: [{ code: "TAIL_LIFT", name: "Tail lift" }] },
    goods: [{ quantity: 2, total_weight_kg: 812.5, packaging: "PALLET", units: 2 }],
  });
  // Qargo posts the dispatch when the planner completes the trip's dispatch task.
  const sent = await post(`${urls.qargo}/__sim/dispatch`, { target: `${base}/webhooks/tms/dispatch/palletways`, body: dispatch });
  const answer = sent?.body?.errors?.length ? sent.body.errors.map((e) => `${e.error_type}: ${e.error_message}`).join("; ") : "booked ({errors: []})";
  let trackingId = null;
  for (let i = 0; i < 60 && !trackingId; i++) {
    const state = await (await fetch(`${urls.palletwaysControl}/__sim/state`)).json();
    trackingId = state.booking.consignments.find((c) => c.ConNo === orderName)?.TrackingID ?? null;
    if (!trackingId) await new Promise((r) => setTimeout(r, 500));
  }
  if (!trackingId) return [{ network: "palletways", reference: orderName, what: `dispatch answered ${answer}; not booked yet: see the consignment page` }];
  // Palletways moves it through the network; the cron reads the notes and moves the stops.
  await post(`${urls.palletwaysControl}/__sim/booking/progress`, { trackingId, at: new Date(Date.now() - 8 * 60_000).toISOString(), stepMinutes: 2, signature: "B BUILDER" });
  const cron = await fetch(`${base}/cdn-cgi/handler/scheduled?cron=*/10+*+*+*+*`).catch(() => null);
  const moved = cron?.ok ? "the cron applied 300 → 700 → 800 → 900 to the trip's stops, POD on the delivery stop" : "fire the cron to apply its notes 300 → 700 → 800 → 900";
  return [{ network: "palletways", reference: trackingId, what: `booked from TMS dispatch ${orderName}: ${answer}; labels on the pickup stop; ${moved}` }];
}
