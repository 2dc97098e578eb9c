import type { Carrier } from "../carrier";
import { upnCron } from "./cron";
import { explainUpn } from "./explain";
import { upnJobs } from "./jobs";
import { routeUpnDocument } from "./routing";
import { readUpnSettings } from "./settings";
import { upnRetention } from "./retention";

// UPN (upn.md): consignments imported as TMS orders, tracking events applied to them; the
// consignee signature (ePOD) and delivery photos sent back.

export const upn: Carrier = {
  network: "upn",
  label: "UPN",
  orderFieldValue: "UPN",
  settings: (env) => {
    const s = readUpnSettings(env);
    return { enabled: s.value !== null, problems: s.problems };
  },
  jobs: upnJobs,
  cron: upnCron,
  routeDocument: (_env, doc) => routeUpnDocument(doc),
  explain: explainUpn,
  retention: upnRetention,
};
