import { desc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { ImportedConsignment } from "../carrier";
import { palletforceImports } from "./schema";

// Palletforce's imports as the console and the API list them (GET /api/imports).

const STATUS: Record<string, string> = {
  new: "recorded, waiting for its import",
  queued: "TMS order being created",
  uploaded: "sent to the TMS, waiting for the order",
  completed: "TMS order created",
  failed: "import failed",
};

export async function palletforceImportList(_env: Env, db: Db, query: { reference?: string; limit: number }): Promise<ImportedConsignment[]> {
  const base = db.select().from(palletforceImports);
  const rows = await (query.reference ? base.where(eq(palletforceImports.trackingNumber, query.reference)) : base).orderBy(desc(palletforceImports.createdAt)).limit(query.limit);
  return rows.map((r) => ({
    reference: r.trackingNumber,
    source: "Palletforce consignment list",
    status: STATUS[r.status] ?? r.status,
    done: r.status === "completed",
    orderId: r.orderId,
    firstSeenAt: r.createdAt,
    updatedAt: r.updatedAt,
    error: r.status === "failed" ? r.error : null,
  }));
}
