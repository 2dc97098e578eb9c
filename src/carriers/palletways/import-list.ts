import { desc, eq, ne } from "drizzle-orm";
import type { Db } from "../../db/client";
import { palletwaysImports } from "./schema";
import type { ImportedConsignment } from "../carrier";

// The import as the console and the API list it: consignments for our depot (and those still
// being looked up); another depot's consignments are left out, they were never ours.

const STATUS: Record<string, string> = {
  lookup: "waiting to be looked up at Palletways",
  looking: "being looked up at Palletways",
  ours: "for our depot: TMS order being created",
  uploaded: "sent to the TMS, waiting for the order",
  created: "TMS order created; Palletways fields being set",
  completed: "TMS order created",
  failed: "import failed",
};

export async function palletwaysImportList(_env: Env, db: Db, query: { reference?: string; limit: number }): Promise<ImportedConsignment[]> {
  const rows = await db
    .select()
    .from(palletwaysImports)
    .where(query.reference ? eq(palletwaysImports.trackingId, query.reference) : ne(palletwaysImports.status, "not_ours"))
    .orderBy(desc(palletwaysImports.createdAt))
    .limit(query.limit);
  return rows
    .filter((r) => r.status !== "not_ours")
    .map((r) => ({
      reference: r.trackingId,
      source: "Palletways status notes (getConsignment)",
      status: STATUS[r.status] ?? r.status,
      done: r.status === "completed" || r.status === "created",
      orderId: r.orderId,
      firstSeenAt: r.createdAt,
      updatedAt: r.updatedAt,
      error: r.status === "failed" || r.status === "lookup" ? r.error : null,
    }));
}
