// A delivery image on Hazchem's feed, for an order the TMS has told us about.
export default {
  name: "hazchemFeed",
  kinds: ["Hazchem feed → TMS"],
  async run({ ref, bytes, rand, post, urls, items, webhook, sha256, palletOrder, stopCompleted }) {
    const id = ref("HZ", 9);
    const photo = bytes("jpeg", 3000 + Math.floor(rand() * 4000));
    await post(`${urls.hazchem}/__sim/consignments`, [{ consignment_number: id }]);
    const order = palletOrder({ reference: id, network: "HAZCHEM", role: "DELIVERING" });
    await post(`${urls.qargo}/__sim/orders`, { id: order.id, customer_reference_number: id });
    // Any webhook for the order tells the connector its id (a stop update it does not act on).
    await webhook(stopCompleted({ order }));
    items.push({ kind: this.kinds[0], network: "hazchem", reference: id, orderId: order.id, key: sha256(photo) });
    await post(`${urls.hazchem}/__sim/documents`, [{ consignment_number: id, type: "DELIVERY_IMAGE", filename: `${id}_image.jpg`, content_type: "image/jpeg", data: photo.toString("base64") }]);
  },
  count: (it, w) => w.qargo.attachments.filter((a) => a.order_id === it.orderId && a.sha256 === it.key).length,
};
