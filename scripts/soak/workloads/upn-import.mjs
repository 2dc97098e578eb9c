// A new UPN consignment for our depot, then its arrival and delivery. Sometimes UPN hands the
// delivery over first and the (older) arrival only in a later read, sometimes both at once: the
// stop must end COMPLETED and never step back (contract rule 11).
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export default {
  name: "upnImport",
  kinds: ["UPN consignment → TMS order", "UPN event → TMS"],
  async run({ ref, rand, post, urls, env, items, sleep }) {
    const barcode = `UPN${env.UPN_DEPOT}${ref("", 8)}`;
    await post(`${urls.upn}/__sim/consignments`, [{ barcode }]);
    items.push({ kind: this.kinds[0], network: "upn", reference: barcode, key: barcode });
    await sleep(3000);
    const t = Date.now();
    const arr = { event_id: `ev-${barcode}-arr`, barcode, stage_code: "ARR", stage: "Arrived", occurred_at: iso(t) };
    const del = { event_id: `ev-${barcode}-del`, barcode, stage_code: "DEL", stage: "Delivered", occurred_at: iso(t + 1000) };
    // A carded first attempt (an exception: an attention item and an alert) before the delivery.
    const crd = { event_id: `ev-${barcode}-crd`, barcode, stage_code: "CRD", stage: "Carded", occurred_at: iso(t + 500), note: "soak" };
    const events = rand() < 0.5 ? [arr, crd, del] : [arr, del];
    for (const e of events) items.push({ kind: this.kinds[1], network: "upn", reference: barcode, key: e.event_id, stop: e.stage_code });
    if (rand() < 0.5) {
      await post(`${urls.upn}/__sim/events`, events);
    } else {
      // The delivery first; the older ones a read or two later.
      await post(`${urls.upn}/__sim/events`, [del]);
      await sleep(8000 + Math.floor(rand() * 8000));
      await post(`${urls.upn}/__sim/events`, events.filter((e) => e !== del));
    }
  },
  count(it, w) {
    if (it.kind === this.kinds[0]) return w.qargo.orders_created.filter((o) => o.order_identifier === `UPN-${it.reference}`).length;
    // A repeated status update for one event is harmless by contract (same status, same id).
    return Math.min(1, w.qargo.status_updates.filter((u) => u.question_answers?.upn_event_id === it.key).length);
  },
  repeats: (it, w) => (it.key.startsWith("ev-") ? Math.max(0, w.qargo.status_updates.filter((u) => u.question_answers?.upn_event_id === it.key).length - 1) : 0),
};
