import { desc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { upnImports } from "./schema";
import type { ImportedConsignment } from "../carrier";

// UPN's imports as the console and the API list them.

const STATUS: Record<string, string> = {
  new: "recorded, waiting for its import",
  queued: "TMS order being created",
  uploaded: "sent to the TMS, waiting for the order",
  completed: "TMS order created",
  failed: "import failed",
};

export async function upnImportList(_env: Env, db: Db, query: { reference?: string; limit: number }): Promise<ImportedConsignment[]> {
  const base = db.select().from(upnImports);
  const rows = await (query.reference ? base.where(eq(upnImports.barcode, query.reference)) : base).orderBy(desc(upnImports.createdAt)).limit(query.limit);
  return rows.map((r) => ({
    reference: r.barcode,
    source: "UPN consignment list",
    status: STATUS[r.status] ?? r.status,
    done: r.status === "completed",
    orderId: r.orderId,
    firstSeenAt: r.createdAt,
    updatedAt: r.updatedAt,
    error: r.status === "failed" ? r.error : null,
  }));
}
