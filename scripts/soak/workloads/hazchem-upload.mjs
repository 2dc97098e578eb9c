// A POD added in the TMS for a Hazchem consignment: uploaded to Hazchem.
export default {
  name: "hazchemUpload",
  kinds: ["TMS POD → Hazchem"],
  async run({ ref, bytes, rand, post, urls, items, webhook, sha256, palletOrder, documentCreated }) {
    const id = ref("HZ", 9);
    const pod = bytes("pdf", 2000 + Math.floor(rand() * 4000));
    await post(`${urls.hazchem}/__sim/consignments`, [{ consignment_number: id }]);
    const order = palletOrder({ reference: id, network: "HAZCHEM", role: "DELIVERING" });
    items.push({ kind: this.kinds[0], network: "hazchem", reference: id, key: sha256(pod) });
    await webhook(documentCreated({ order, documentType: "PROOF_OF_DELIVERY", name: `pod-${id}.pdf`, content: pod, mimeType: "application/pdf" }));
  },
  count: (it, w) => w.hazchem.uploads.filter((u) => u.consignment_number === it.reference && u.sha256 === it.key).length,
};
