import { desc, eq } from "drizzle-orm";
import { db as openDb } from "../../db/client";
import { hazchemFeedDocuments } from "./schema";
import { recordTimeline, withLease } from "../../engine";
import type { Refresher } from "../carrier";
import { runFeed } from "./feed";

// POST /api/consignments/hazchem/{reference}/refresh: Hazchem's feed is one stream for every
// consignment, so "fetch now" reads the whole feed, then reports this consignment's part.
export const hazchemRefresh: Refresher = async (env, reference) => {
  const db = openDb(env);
  // The cron's lease (rule 12): while a scheduled pass reads the feed, this one does not.
  const leased = await withLease(db, "hazchem.feed", () => runFeed(env, db), 2 * 60_000);
  if (!leased.ran) return { feed: { skipped: "a scheduled pass is reading Hazchem's feed right now; its documents appear here shortly" } };
  const run = leased.result;
  const mine = run.newDocuments.filter((d) => d.consignment_number === reference);
  const known = await db
    .select({
      document_id: hazchemFeedDocuments.documentId,
      type: hazchemFeedDocuments.type,
      filename: hazchemFeedDocuments.filename,
      status: hazchemFeedDocuments.status,
      matched_by: hazchemFeedDocuments.matchedBy,
    })
    .from(hazchemFeedDocuments)
    .where(eq(hazchemFeedDocuments.consignmentNumber, reference))
    .orderBy(desc(hazchemFeedDocuments.createdAt));
  await recordTimeline(db, {
    network: "hazchem",
    reference,
    kind: "fetch",
    step: "hazchem.refresh",
    outcome: "info",
    message: `Manual refresh: read Hazchem's document feed (${run.pages} page${run.pages === 1 ? "" : "s"}, ${run.new} new document${run.new === 1 ? "" : "s"} in all, ${mine.length} for this consignment)${run.more ? "; more remain for the next run" : ""}`,
    detail: { new_for_consignment: mine.map((d) => d.document_id) },
  });
  return {
    feed: { pages: run.pages, seen: run.seen, new: run.new, ignored: run.ignored, malformed: run.malformed, more: run.more },
    new_for_consignment: mine,
    documents: known,
  };
};
