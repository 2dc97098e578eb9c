// A delivery photo added in the TMS where we deliver: to the Palletways FTP server.
export default {
  name: "ftpUpload",
  kinds: ["TMS photo → Palletways FTP"],
  async run({ ref, bytes, rand, items, webhook, sha256, palletOrder, documentCreated }) {
    const id = "600" + ref("", 8);
    const order = palletOrder({ reference: id, network: "PALLETWAYS", role: "DELIVERING" });
    const photo = bytes("jpeg", 4000 + Math.floor(rand() * 8000));
    items.push({ kind: this.kinds[0], network: "palletways", reference: id, key: sha256(photo) });
    await webhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: `driver-${id}.jpg`, content: photo, mimeType: "image/jpeg" }));
  },
  count: (it, w) => w.ftpFiles.filter((f) => f.name.startsWith(`${it.reference}_`) && f.sha256 === it.key).length,
};
