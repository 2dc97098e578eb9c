// Starts every partner simulator and hands back their URLs and the Worker configuration that
// points at them (names from the contracts README). Used by test/global-setup.ts and npm start.
import { CREDENTIALS as C } from "./credentials.mjs";
import { createQargoSim } from "./qargo.mjs";
import { createPalletwaysSim, API_PREFIX, PORTAL_PREFIX } from "./palletways.mjs";
import { createPalletwaysFtp } from "./palletways-ftp.mjs";
import { createUpnSim } from "./upn.mjs";
import { createHazchemSim } from "./hazchem.mjs";
import { ALERT_HOOK_PATH, createAlertsSim } from "./alerts.mjs";

/**
 * @param {{quiet?: boolean, host?: string, ports?: {qargo?: number, palletways?: number, ftp?: number, upn?: number, hazchem?: number, alerts?: number, pasvMin?: number, pasvMax?: number}}} [options]
 * @returns {Promise<import("./types").Sandbox>}
 */
export async function startSandbox({ quiet = false, host = "127.0.0.1", ports = {} } = {}) {
  const started = [];
  try {
    const ftp = await createPalletwaysFtp({ creds: C, quiet, host, port: ports.ftp ?? 0, pasvMin: ports.pasvMin, pasvMax: ports.pasvMax });
    started.push(() => ftp.destroy());
    const sims = {
      qargo: createQargoSim({ creds: C, quiet }),
      palletways: createPalletwaysSim({ creds: C, quiet, ftp }),
      upn: createUpnSim({ creds: C, quiet }),
      hazchem: createHazchemSim({ creds: C, quiet }),
      alerts: createAlertsSim({ quiet }),
    };
    const base = {};
    for (const [name, sim] of Object.entries(sims)) {
      base[name] = await sim.listen(ports[name] ?? 0, host);
      started.push(() => sim.close());
    }
    const urls = {
      qargo: base.qargo,
      palletwaysApi: base.palletways + API_PREFIX,
      palletwaysPortal: base.palletways + PORTAL_PREFIX,
      palletwaysControl: base.palletways,
      upn: base.upn,
      hazchem: base.hazchem,
      ftp: ftp.url(),
      alerts: base.alerts,
    };
    const env = {
      TMS_API_URL: urls.qargo,
      TMS_CLIENT_ID: C.TMS_CLIENT_ID,
      TMS_CLIENT_SECRET: C.TMS_CLIENT_SECRET,
      TMS_WEBHOOK_CLIENT_ID: C.TMS_WEBHOOK_CLIENT_ID,
      TMS_WEBHOOK_SECRET: C.TMS_WEBHOOK_SECRET,
      INBOUND_BASIC_USER: C.INBOUND_BASIC_USER,
      INBOUND_BASIC_PASSWORD: C.INBOUND_BASIC_PASSWORD,
      ADMIN_TOKEN: C.ADMIN_TOKEN,
      PALLETWAYS_API_URL: urls.palletwaysApi,
      PALLETWAYS_PORTAL_URL: urls.palletwaysPortal,
      PALLETWAYS_API_KEY: C.PALLETWAYS_API_KEY,
      PALLETWAYS_FTP_URL: urls.ftp,
      PALLETWAYS_SIM_CONTROL_URL: urls.palletwaysControl,
      // Bookings (palletways.md, "Booking"): the simulated account and the tenant's code mappings.
      PALLETWAYS_ACCOUNT: C.PALLETWAYS_ACCOUNT,
      PALLETWAYS_SERVICES: "ND=B,ECO=E,*=B",
      PALLETWAYS_BILL_UNITS: "PALLET=FP,HALF=HP,QUARTER=QP",
      // Our Palletways depot (consignments it delivers are imported) and the tenant's levels.
      PALLETWAYS_DEPOT: C.PALLETWAYS_DEPOT,
      PALLETWAYS_SERVICE_LEVELS: "B=ND,E=ECO",
      UPN_API_URL: urls.upn,
      UPN_API_KEY: C.UPN_API_KEY,
      UPN_DEPOT: C.UPN_DEPOT,
      // The simulated tenant's service levels for UPN's services (an unmapped one sends none).
      UPN_SERVICE_LEVELS: "NEXT_DAY=ND,ECONOMY=ECO",
      HAZCHEM_API_URL: urls.hazchem,
      HAZCHEM_API_KEY: C.HAZCHEM_API_KEY,
      HAZCHEM_DEPOT: C.HAZCHEM_DEPOT,
      ALERT_WEBHOOK_URL: urls.alerts + ALERT_HOOK_PATH,
    };
    if (!quiet) console.log("[sandbox] simulators up:", urls);
    return {
      urls,
      env,
      async stop() {
        for (const stop of started.reverse()) await stop();
      },
    };
  } catch (err) {
    for (const stop of started.reverse()) await stop().catch(() => {});
    throw err;
  }
}
