// Delivery completes in the TMS; Palletways has one photo now and one late.
export default {
  name: "palletwaysPhotos",
  kinds: ["Palletways photo → TMS"],
  async run({ ref, jpeg, rand, post, urls, items, webhook, sleep, sha256, palletOrder, stopCompleted }) {
    const id = "600" + ref("", 8);
    const order = palletOrder({ reference: id, network: "PALLETWAYS", role: "DELIVERING" });
    const [p1, p2] = await Promise.all([jpeg(3000 + Math.floor(rand() * 3000)), jpeg(3000 + Math.floor(rand() * 3000))]);
    await post(`${urls.qargo}/__sim/orders`, { id: order.id, customer_reference_number: order.customer_reference_number });
    await post(`${urls.palletwaysControl}/__sim/pod/${id}`, { pages: [{ format: "jpeg", data: p1.toString("base64") }] });
    items.push({ kind: this.kinds[0], network: "palletways", reference: id, orderId: order.id, key: sha256(p1) });
    items.push({ kind: this.kinds[0], network: "palletways", reference: id, orderId: order.id, key: sha256(p2), late: true });
    await webhook(stopCompleted({ order }));
    await sleep(15_000);
    await post(`${urls.palletwaysControl}/__sim/pod/${id}`, { pages: [{ format: "jpeg", data: p2.toString("base64") }] });
  },
  count: (it, w) => w.qargo.attachments.filter((a) => a.order_id === it.orderId && a.sha256 === it.key).length,
};
