// A UPN delivery: a photo (held), the consignee signature (ePOD), the photo after it.
export default {
  name: "upnEpod",
  kinds: ["TMS signature → UPN ePOD", "TMS photo → UPN image"],
  async run({ ref, bytes, rand, post, urls, env, items, webhook, sha256, palletOrder, documentCreated }) {
    const barcode = `UPN${env.UPN_DEPOT}${ref("", 8)}`;
    const photo = bytes("jpeg", 3000 + Math.floor(rand() * 4000));
    const sig = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), bytes("raw", 200)]);
    await post(`${urls.upn}/__sim/consignments`, [{ barcode }]);
    const order = palletOrder({ reference: barcode, network: "UPN", role: "DELIVERING" });
    await post(`${urls.qargo}/__sim/orders`, {
      id: order.id,
      customer_reference_number: barcode,
      consignments: [{ signatures: [{ type: "CONSIGNEE", name: "J SMITH", timestamp: "2026-11-23T14:01:00+00:00", position: { latitude: 53.74, longitude: -0.33 } }] }],
    });
    items.push({ kind: this.kinds[0], network: "upn", reference: barcode, key: sha256(sig) });
    items.push({ kind: this.kinds[1], network: "upn", reference: barcode, key: sha256(photo) });
    await webhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: `photo-${barcode}.jpg`, content: photo, mimeType: "image/jpeg" }));
    await webhook(documentCreated({ order, documentType: "CONSIGNEE_SIGNATURE", name: "signature.png", content: sig, mimeType: "image/png" }));
  },
  count(it, w) {
    if (it.kind === this.kinds[0]) return w.upn.epods.filter((e) => e.barcode === it.reference && e.signature_sha256 === it.key).length;
    return w.upn.images.filter((i) => i.barcode === it.reference && i.sha256 === it.key).length;
  },
};
