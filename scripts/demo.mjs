// Demo data for `npm start`: one consignment per network, created the way production data
// arrives (simulated partners + TMS webhooks to the running connector), so the console, the
// timeline API and `wrangler dev`'s logs have something to show straight away.
import sharp from "sharp";
import { basicHeader, documentCreated, palletOrder, stopCompleted } from "../sandbox/qargo-webhooks.mjs";
import { seedBookingDemo } from "./demo-booking.mjs";

async function photo(hue, label) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="960"><rect width="100%" height="100%" fill="hsl(${hue},45%,55%)"/><rect x="340" y="300" width="600" height="420" fill="#8a6b3e" stroke="#3b2a12" stroke-width="12"/><text x="640" y="880" font-size="56" text-anchor="middle" font-family="sans-serif" fill="#fff">${label}</text></svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer());
}

const b64 = (u8) => Buffer.from(u8).toString("base64");

async function post(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url} → ${res.status} ${await res.text()}`);
  return res.json().catch(() => null);
}

export async function seedDemo({ base, sandbox }) {
  const { urls, env } = sandbox;
  const webhook = (body) =>
    fetch(`${base}/webhooks/tms`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basicHeader(env.INBOUND_BASIC_USER, env.INBOUND_BASIC_PASSWORD) },
      body: JSON.stringify(body),
    }).then(async (r) => {
      if (!r.ok) throw new Error(`webhook → ${r.status} ${await r.text()}`);
    });
  const out = [];

  // Palletways: delivered just now; two photos are already on the network's POD.
  const pw = "60012340167";
  const pwOrder = palletOrder({ reference: pw, network: "PALLETWAYS", role: "DELIVERING", orderName: "OR-40167" });
  await post(`${urls.qargo}/__sim/orders`, { id: pwOrder.id, customer_reference_number: pwOrder.customer_reference_number, order_name: pwOrder.order_name });
  await post(`${urls.palletwaysControl}/__sim/pod/${pw}`, { pages: [{ format: "jpeg", data: b64(await photo(30, `${pw} · photo 1`)) }, { format: "jpeg", data: b64(await photo(200, `${pw} · photo 2`)) }] });
  await webhook(stopCompleted({ order: pwOrder }));
  out.push({ network: "palletways", reference: pw, what: "delivered: catch-up window open, 2 photos on the POD" });

  // Hazchem: our driver's delivery photo goes up; a COP waits on the feed.
  const hz = "HZ7781234";
  await post(`${urls.hazchem}/__sim/consignments`, [{ consignment_number: hz, requesting_depot: env.HAZCHEM_DEPOT, delivery_depot: "HZ99" }]);
  const hzOrder = palletOrder({ reference: hz, network: "HAZCHEM", role: "COLLECTING", orderName: "OR-81234" });
  await post(`${urls.qargo}/__sim/orders`, { id: hzOrder.id, customer_reference_number: hzOrder.customer_reference_number, order_name: hzOrder.order_name });
  await webhook({ events: [], order: hzOrder });
  await webhook(documentCreated({ order: hzOrder, documentType: "PHOTO_OF_GOODS_DELIVERY", name: "IMG_0001.jpg", content: await photo(120, `${hz} · delivery`), mimeType: "image/jpeg" }));
  await post(`${urls.hazchem}/__sim/documents`, [{ consignment_number: hz, type: "DELIVERY_IMAGE", filename: `${hz}_1.jpg`, data: b64(await photo(280, `${hz} · from Hazchem`)) }]);
  out.push({ network: "hazchem", reference: hz, what: "photo uploaded to Hazchem; one Hazchem image on the feed, pulled by the cron (fired below)" });

  // UPN: two consignments for our depot, imported on the cron with their service; tracking
  // events at both levels: the consignment arrived, one of its two pallets was unloaded (a
  // scan on that pallet only), and the other consignment was carded (an exception).
  const upn = "UPN0451234567";
  const carded = "UPN0451234570";
  await post(`${urls.upn}/__sim/consignments`, [
    {
      barcode: upn,
      service: "NEXT_DAY",
      delivery_depot: env.UPN_DEPOT,
      requesting_depot: "012",
      instructions: "Tail-lift required",
      pallets: [
        { barcode: "UPNP0451234567001", type: "FULL", weight_kg: 480 },
        { barcode: "UPNP0451234567002", type: "HALF", weight_kg: 220 },
      ],
      total_weight_kg: 700,
    },
    { barcode: carded, service: "ECONOMY", delivery_depot: env.UPN_DEPOT, requesting_depot: "012" },
  ]);
  const ago = (min) => new Date(Date.now() - min * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  await post(`${urls.upn}/__sim/events`, [
    { barcode: upn, capture_type: "C", stage_code: "BKD", stage: "Booked", occurred_at: ago(180) },
    { barcode: upn, capture_type: "C", stage_code: "ARR", stage: "Arrived", occurred_at: ago(40) },
    { barcode: upn, capture_type: "P", pallet_barcode: "UPNP0451234567001", stage_code: "UNL", stage: "Unloaded", note: "Bay 4", occurred_at: ago(25) },
    { barcode: carded, capture_type: "C", stage_code: "OFD", stage: "Out for delivery", occurred_at: ago(90) },
    { barcode: carded, capture_type: "C", stage_code: "CRD", stage: "Carded", note: "Site closed, card left", occurred_at: ago(15) },
  ]);
  // UPN's manual refresh pulls both now (the cron would within 10 minutes): the orders are
  // created in the TMS, and the events follow them there.
  const refreshed = await fetch(`${base}/api/consignments/upn/${upn}/refresh`, { method: "POST", headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
  const pulled = refreshed.ok ? "pulled with the manual refresh" : `manual refresh failed (${refreshed.status}): fire the cron`;
  out.push({ network: "upn", reference: upn, what: `${pulled}: imported with service NEXT_DAY; arrived, and pallet …001 unloaded (a scan on that pallet only)` });
  out.push({ network: "upn", reference: carded, what: `${pulled}: carded by UPN; after the cron it is under "Needs attention" on /ops, with one alert at ${urls.alerts}/__sim/state` });

  // Palletways import: a consignment our depot delivers (Palletways sends it to us; nobody keys
  // it in), seen first in the status notes; one of its pallets reached our depot. The cron
  // fired here reads the notes, looks the consignment up once and makes it a TMS order; the
  // note becomes a scan on that pallet.
  const pwImport = "60098765432";
  await post(`${urls.palletwaysControl}/__sim/consignments`, [
    {
      TrackingID: pwImport,
      Number: "2557391-564",
      Reference: "PO 7781",
      CollectionDepot: "112",
      DeliveryDepot: env.PALLETWAYS_DEPOT,
      DueDate: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
      Lifts: 2,
      Weight: 960,
      ManifestNote: "Tail-lift required",
      Pallet: [{ Barcode: "B00432B6FE", BillUnit: "FP" }, { Barcode: "B00432B6FF", BillUnit: "HP" }],
    },
  ]);
  const ukNow = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date());
  const ukToday = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(new Date());
  await post(`${urls.palletwaysControl}/__sim/notes`, [
    { TrackingID: pwImport, ConNo: "2557391-564", StatusCode: "300", NoteType: "At collection depot", NoteDate: ukToday, NoteTime: ukNow },
    { TrackingID: pwImport, ConNo: "2557391-564", Barcode: "B00432B6FE", StatusCode: "700", NoteType: "At delivery depot", NoteDate: ukToday, NoteTime: ukNow },
  ]);
  const cron = await fetch(`${base}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);
  const fired = cron.ok ? "the cron fired by the demo" : `the cron (fire it: ${cron.status})`;
  out.push({ network: "palletways", reference: pwImport, what: `imported by ${fired}: Palletways consignment for depot ${env.PALLETWAYS_DEPOT} → TMS order PW-${pwImport}; pallet B00432B6FE scanned in (listed under /ops/imports)` });

  // A Palletways booking from a TMS dispatch, end to end (scripts/demo-booking.mjs).
  out.push(...(await seedBookingDemo({ base, sandbox })));
  return out;
}
