import type { Carrier } from "../carrier";
import { TRACKING_ID_FORMAT } from "./reference";
import { palletwaysAttention } from "./attention";
import { palletwaysDispatchCapability } from "./booking";
import { readBookingSettings } from "./booking-settings";
import { bookingAttention } from "./booking-view";
import { palletwaysCron } from "./cron";
import { explainPalletways } from "./explain";
import { palletwaysJobs } from "./jobs";
import { openWindows } from "./open-work";
import { palletwaysRefresh } from "./refresh";
import { palletwaysRetention } from "./retention";
import { palletwaysDeliveryCompleted, routePalletwaysDocument } from "./routing";
import { palletwaysSettings, readPalletwaysSettings } from "./settings";
import { palletwaysImportList } from "./import-list";
import { handlingUnitScans } from "./scans";

// Palletways (palletways.md): POD photos into the TMS after delivery, delivery photos out to
// its FTP server, and bookings from the TMS's subcontractor dispatches (booking*.ts). The
// catch-up window's Durable Object class is exported for the Worker entry.

export { PalletwaysWindow } from "./window";

export const palletways: Carrier = {
  network: "palletways",
  label: "Palletways",
  referenceFormat: TRACKING_ID_FORMAT,
  orderFieldValue: "PALLETWAYS",
  settings: (env) => {
    const s = readPalletwaysSettings(env);
    return { enabled: s.value !== null, problems: [...s.problems, ...readBookingSettings(env).problems] };
  },
  jobs: palletwaysJobs,
  pulls: palletwaysCron,
  refresh: palletwaysRefresh,
  documents: {
    route: (env, doc) => routePalletwaysDocument(palletwaysSettings(env)?.ftpUrl ?? null, doc),
    describeDestination: (d) => `Palletways FTP as ${d}`,
  },
  onDeliveryCompleted: (_env, stop) => palletwaysDeliveryCompleted(stop),
  imports: palletwaysImportList,
  scans: handlingUnitScans,
  explain: explainPalletways,
  openWork: (_env, db, now) => openWindows(db, now),
  attention: async (env, db, since) => [...(await palletwaysAttention(env, db, since)), ...(await bookingAttention(db, since))],
  retention: palletwaysRetention,
  dispatch: palletwaysDispatchCapability,
};
