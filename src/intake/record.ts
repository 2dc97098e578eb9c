import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { namedBatch } from "../db/batch";
import { consignments, inboundWebhooks } from "../db/schema";
import { jobWrite, timelineInserts } from "../engine";
import { errorMessage } from "../lib/errors";
import type { IntakePlan } from "./plan";

// Everything one update implies, written to D1 as one transaction: the delivery (its id is
// unique, so a repeat fails the whole batch and writes nothing), the consignment it links,
// its jobs and timeline lines. Returns the ids of the jobs created.

export type Delivery = { id: string; bodySha256: string; eventCount: number };

export async function recordUpdate(db: Db, delivery: Delivery, plan: IntakePlan): Promise<string[]> {
  const { link } = plan;
  const write = jobWrite(db, plan.jobs);
  const results = await namedBatch(db, {
    delivery: [db.insert(inboundWebhooks).values(delivery)],
    consignment: link
      ? [
          db
            .insert(consignments)
            .values({ network: link.network, reference: link.reference, orderId: link.orderId, customerReference: link.customerReference, orderName: link.orderName, role: link.role })
            .onConflictDoUpdate({
              target: [consignments.network, consignments.reference],
              set: {
                orderId: link.orderId,
                customerReference: link.customerReference,
                orderName: link.orderName,
                role: sql`coalesce(${link.role}, ${consignments.role})`,
                updatedAt: Date.now(),
              },
            }),
        ]
      : [],
    jobs: write.statements,
    timeline: timelineInserts(db, plan.timeline),
  });
  return write.created(results.jobs);
}

export function isRepeatDelivery(err: unknown): boolean {
  return /UNIQUE constraint failed: inbound_webhooks/i.test(errorMessage(err));
}
