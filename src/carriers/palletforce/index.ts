import type { Carrier } from "../carrier";
import { palletforceAttention } from "./attention";
import { palletforceDispatch } from "./booking";
import { palletforceCron } from "./cron";
import { LABEL, NETWORK, ORDER_FIELD_VALUE, TRACKING_NUMBER } from "./enums";
import { explainPalletforce } from "./explain";
import { palletforceImportList } from "./import-list";
import { palletforceJobs } from "./jobs";
import { ourScanReaction } from "./our-scans";
import { palletforceRefresh } from "./refresh";
import { handlingUnitScans } from "./scans";
import { palletforceRetention } from "./retention";
import { readPalletforceSettings } from "./settings";

// Palletforce (palletforce.md): bookings from the TMS dispatch door (UploadManifest), tracking
// of what we booked and what we deliver (DownloadTracking, every third cron pass, the budget
// spent where events are due), consignments for our depot imported as TMS orders
// (DownloadConsignments), and our own DONR / ARDL / POD scans back (UploadScans).

export const palletforce: Carrier = {
  network: NETWORK,
  label: LABEL,
  orderFieldValue: ORDER_FIELD_VALUE,
  // Tracking numbers: 13 digits, the first three the collection depot's code.
  referenceFormat: { pattern: TRACKING_NUMBER, words: "13 digits beginning with a depot code (e.g. 0451234567890)" },
  settings: (env) => {
    const s = readPalletforceSettings(env);
    return { enabled: s.value !== null, problems: s.problems };
  },
  jobs: palletforceJobs,
  pulls: palletforceCron,
  refresh: palletforceRefresh,
  // No `documents`: Palletforce takes none; a POD is reported to it as a POD scan (onTmsUpdate).
  onTmsUpdate: (_env, seen) => ourScanReaction(seen),
  scans: handlingUnitScans,
  imports: palletforceImportList,
  explain: explainPalletforce,
  attention: palletforceAttention,
  dispatch: palletforceDispatch,
  retention: palletforceRetention,
};
