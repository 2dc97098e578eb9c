import type { Config, Network } from "../config";
import { networkEnabled } from "../config";

// Which TMS document goes where (tms-qargo.md, "Updates the connector acts on"). Pure, so the
// table is tested on its own; anything not routed is recorded as skipped with the reason.

export type Role = "COLLECTING" | "DELIVERING";

export type Route = { kind: string; hazchemType?: "DELIVERY_IMAGE" | "COP" | "POD" } | { skip: string };

export function routeDocument(config: Config, network: Network, documentType: string, role: Role | null): Route {
  if (!networkEnabled(config, network)) return { skip: `${label(network)} is switched off (its settings are absent)` };
  switch (network) {
    case "palletways":
      if (documentType !== "PHOTO_OF_GOODS_DELIVERY") return { skip: `Palletways takes only delivery photos, not ${documentType}` };
      if (role !== "DELIVERING") return { skip: "we are not the delivering depot for this Palletways consignment, so its photos are not sent to the Palletways FTP server" };
      if (!config.palletways?.ftpUrl) return { skip: "PALLETWAYS_FTP_URL is not set, so photos are not uploaded" };
      return { kind: "palletways.ftp-upload" };
    case "upn":
      if (documentType === "PHOTO_OF_GOODS_DELIVERY") return { kind: "upn.image" };
      if (documentType === "CONSIGNEE_SIGNATURE") return { kind: "upn.epod" };
      return { skip: `UPN takes the consignee signature and delivery photos, not ${documentType}` };
    case "hazchem":
      if (documentType === "PHOTO_OF_GOODS_DELIVERY") return { kind: "hazchem.upload", hazchemType: "DELIVERY_IMAGE" };
      if (documentType === "CUSTOMER_PAPERWORK") {
        if (role === "COLLECTING") return { kind: "hazchem.upload", hazchemType: "COP" };
        return { skip: "customer paperwork goes to Hazchem only from the requesting/collection depot (signed COP has no flow)" };
      }
      if (documentType === "PROOF_OF_DELIVERY") return { kind: "hazchem.upload", hazchemType: "POD" };
      if (documentType === "PROOF_OF_DELIVERY_SIGNED") return { skip: "a signed POD has no Hazchem flow; only PROOF_OF_DELIVERY is sent" };
      return { skip: `Hazchem takes delivery images, customer paperwork and POD, not ${documentType}` };
  }
}

export function label(network: string): string {
  return network === "palletways" ? "Palletways" : network === "upn" ? "UPN" : network === "hazchem" ? "Hazchem" : network;
}
