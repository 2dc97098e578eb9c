// POD PDFs the way Palletways serves them: one photo per page, JPEGs embedded unchanged as
// DCTDecode streams (pdf-lib's embedJpg copies the bytes), anything else as a Flate PNG image.
import { PDFDocument } from "pdf-lib";

export async function podPdf(pages) {
  const doc = await PDFDocument.create();
  doc.setProducer("palletbridge sandbox");
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  for (const p of pages) {
    // A fresh copy: pdf-lib reads JPEG headers through a DataView over `.buffer`, ignoring
    // byteOffset, which breaks on Node's pooled small Buffers.
    const data = new Uint8Array(p.data);
    const img = p.format === "jpeg" ? await doc.embedJpg(data) : await doc.embedPng(data);
    const page = doc.addPage([img.width, img.height]);
    page.drawImage(img, { x: 0, y: 0, width: img.width, height: img.height });
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
