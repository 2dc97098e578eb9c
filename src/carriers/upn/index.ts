import type { Carrier } from "../carrier";
import { BARCODE_FORMAT } from "./enums";
import { upnAttention, upnHeldImagesTask } from "./attention";
import { upnCron } from "./cron";
import { explainUpn } from "./explain";
import { upnJobs } from "./jobs";
import { upnRefresh } from "./refresh";
import { routeUpnDocument, upnDeliveryCompleted } from "./routing";
import { handlingUnitScans } from "./scans";
import { readUpnSettings } from "./settings";
import { upnRetention } from "./retention";
import { upnImportList } from "./import-list";

// UPN (upn.md): consignments imported as TMS orders, tracking events applied to them (pallet
// events as scans on their handling unit); the consignee signature (ePOD) and delivery photos
// sent back, the ePOD also from the order itself when its delivery stop completes.

export const upn: Carrier = {
  network: "upn",
  label: "UPN",
  referenceFormat: BARCODE_FORMAT,
  orderFieldValue: "UPN",
  settings: (env) => {
    const s = readUpnSettings(env);
    return { enabled: s.value !== null, problems: s.problems };
  },
  jobs: upnJobs,
  // Tracking stays last: its error is what health shows after a cycle (cron.ts).
  pulls: [upnHeldImagesTask, ...upnCron],
  refresh: upnRefresh,
  documents: {
    route: (_env, doc) => routeUpnDocument(doc),
    describeDestination: (d) => `UPN image ${d}`,
  },
  onDeliveryCompleted: (_env, stop) => upnDeliveryCompleted(stop),
  scans: handlingUnitScans,
  imports: upnImportList,
  explain: explainUpn,
  attention: upnAttention,
  retention: upnRetention,
};
