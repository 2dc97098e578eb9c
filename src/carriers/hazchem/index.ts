import type { Carrier } from "../carrier";
import { CONSIGNMENT_FORMAT } from "./enums";
import { hazchemCron } from "./cron";
import { explainHazchem } from "./explain";
import { hazchemJobs } from "./jobs";
import { hazchemRefresh } from "./refresh";
import { routeHazchemDocument } from "./routing";
import { readHazchemSettings } from "./settings";
import { hazchemRetention } from "./retention";

// Hazchem (hazchem.md): delivery images, customer paperwork and POD uploaded; its document feed
// (delivery images, COP) pulled into the TMS.

export const hazchem: Carrier = {
  network: "hazchem",
  label: "Hazchem",
  referenceFormat: CONSIGNMENT_FORMAT,
  orderFieldValue: "HAZCHEM",
  settings: (env) => {
    const s = readHazchemSettings(env);
    return { enabled: s.value !== null, problems: s.problems };
  },
  jobs: hazchemJobs,
  pulls: hazchemCron,
  refresh: hazchemRefresh,
  documents: {
    route: (_env, doc) => routeHazchemDocument(doc),
    describeDestination: (d) => `Hazchem document ${d}`,
  },
  explain: explainHazchem,
  retention: hazchemRetention,
};
