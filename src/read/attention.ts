import { desc, eq, inArray } from "drizzle-orm";
import { chunk, IN_LIST_MAX } from "../lib/chunk";
import { db as openDb, type Db } from "../db/client";
import { attentionSeen, jobs } from "../db/schema";
import { carriers, networkEnabled, networkLabel } from "../carriers";
import type { AttentionItem } from "../carriers/carrier";
import { errorMessage } from "../lib/errors";
import { log } from "../lib/log";
import { explain } from "./explain";
import { networkStates } from "./health";

// What needs a person, for `GET /api/attention` and the top of the console's overview: work
// that failed, unhealthy networks (both the centre's), and what each network reports itself
// (exception stages, work held too long, windows that never closed). An item stays until it is
// resolved or an operator marks it seen; a new occurrence comes back with a new id.

/** How far back the networks' own items are looked for. */
export const ATTENTION_WINDOW_MS = 7 * 24 * 3_600_000;
const MAX_FAILURES = 200;

export interface AttentionEntry {
  id: string;
  kind: string;
  network: string;
  network_label: string;
  reference: string | null;
  at: string;
  title: string;
  action: string | null;
  /** The console page to look at. */
  link: string;
}

const consignmentPath = (network: string, reference: string) => `/ops/consignments/${encodeURIComponent(network)}/${encodeURIComponent(reference)}`;

export function carrierEntry(network: string, item: AttentionItem): AttentionEntry {
  return {
    id: `${item.kind}:${network}:${item.key}`,
    kind: item.kind,
    network,
    network_label: networkLabel(network),
    reference: item.reference || null,
    at: new Date(item.at).toISOString(),
    title: item.title,
    action: item.action,
    link: item.reference ? consignmentPath(network, item.reference) : `/ops#net-${network}`,
  };
}

/** Each enabled network's own items since `since`; a network whose check fails says so. */
export async function carrierItems(env: Env, db: Db, since: number): Promise<{ network: string; item: AttentionItem }[]> {
  const lists = await Promise.all(
    carriers()
      .filter((c) => c.attention && networkEnabled(env, c.network))
      .map(async (c) => {
        try {
          return (await c.attention!(env, db, since)).map((item) => ({ network: c.network, item }));
        } catch (err) {
          const message = errorMessage(err);
          log({ network: c.network, step: "attention", outcome: "error", error: message });
          const item: AttentionItem = { kind: "check", key: "failed", reference: "", at: Date.now(), title: `${c.label}: could not check what needs attention (${message})`, action: "Look at the logs; the list is incomplete until this check works again." };
          return [{ network: c.network, item }];
        }
      }),
  );
  return lists.flat();
}

/** Every open item, seen or not, newest first. */
export async function allAttention(env: Env, now = Date.now()): Promise<AttentionEntry[]> {
  const db = openDb(env);
  const [failed, states, own] = await Promise.all([
    db.select().from(jobs).where(eq(jobs.status, "failed")).orderBy(desc(jobs.updatedAt)).limit(MAX_FAILURES),
    networkStates(env),
    carrierItems(env, db, now - ATTENTION_WINDOW_MS),
  ]);
  const entries: AttentionEntry[] = [
    ...failed.map((j) => ({
      // A replayed job that fails again is a new occurrence.
      id: `failure:${j.id}:${j.updatedAt}`,
      kind: "failure",
      network: j.network,
      network_label: networkLabel(j.network),
      reference: j.reference,
      at: new Date(j.updatedAt).toISOString(),
      title: `${networkLabel(j.network)} ${j.reference}: work stopped (${j.kind}): ${j.lastError ?? "no reason recorded"}`,
      action: explain(j.network, j.lastError) ?? "Read the consignment's timeline, fix the cause, then replay it from the failures list.",
      link: `/ops/failures#job-${encodeURIComponent(j.id)}`,
    })),
    ...Object.entries(states)
      .filter(([, s]) => s.enabled && s.last_error)
      .map(([network, s]) => ({
        // Named by the error's code, not its time: a network's tasks succeed and fail within one
        // cron cycle, so times change every 10 minutes. Marked seen, it stays off for a day.
        id: `network:${network}:${s.last_error_code ?? "error"}`,
        kind: "network",
        network,
        network_label: networkLabel(network),
        reference: null,
        at: s.last_error_at ?? new Date(now).toISOString(),
        title: `${networkLabel(network)} is not healthy: ${s.last_error}`,
        action: explain(network, s.last_error, s.last_error_code, s.action),
        link: `/ops#net-${network}`,
      })),
    ...stalePulls(states, now),
    ...own.map(({ network, item }) => carrierEntry(network, item)),
  ];
  return entries.sort((a, b) => b.at.localeCompare(a.at) || a.id.localeCompare(b.id));
}

type States = Awaited<ReturnType<typeof networkStates>>;

/** Scheduled pulls with no success for 30 minutes (rule 12): a cron that died is not silent. */
export function stalePulls(states: States, now = Date.now()): AttentionEntry[] {
  return Object.entries(states).flatMap(([network, s]) =>
    !s.enabled
      ? []
      : Object.entries(s.pulls)
          .filter(([, p]) => p.stale)
          .map(([pull, p]) => ({
            // A new episode (a success in between) is a new item.
            id: `pull:${pull}:${p.last_success_at ?? "never"}`,
            kind: "pull",
            network,
            network_label: networkLabel(network),
            reference: null,
            at: new Date(now).toISOString(),
            title: p.age_minutes === null ? `${networkLabel(network)}: the scheduled pull ${pull} has never succeeded` : `${networkLabel(network)}: the scheduled pull ${pull} has not succeeded for ${p.age_minutes} minutes`,
            action: explain(network, s.last_error, s.last_error_code, s.action) ?? "Check the Worker's cron runs and the network's status; the pull catches up by itself once it works again.",
            link: `/ops#net-${network}`,
          })),
  );
}

/** A network that keeps failing the same way is shown again a day after it was marked seen. */
export const NETWORK_SEEN_FOR_MS = 24 * 3_600_000;

async function seenIds(db: Db, entries: AttentionEntry[], now: number): Promise<Set<string>> {
  const kinds = new Map(entries.map((e) => [e.id, e.kind]));
  const ids = [...kinds.keys()];
  const seen = new Set<string>();
  for (const part of chunk(ids, IN_LIST_MAX)) {
    const rows = await db.select().from(attentionSeen).where(inArray(attentionSeen.id, part));
    for (const r of rows) if (kinds.get(r.id) !== "network" || r.seenAt > now - NETWORK_SEEN_FOR_MS) seen.add(r.id);
  }
  return seen;
}

/** What still needs a person: open items nobody has marked seen. */
export async function attention(env: Env, now = Date.now()): Promise<{ items: AttentionEntry[]; seen: number }> {
  const all = await allAttention(env, now);
  const seen = await seenIds(openDb(env), all, now);
  return { items: all.filter((e) => !seen.has(e.id)), seen: seen.size };
}

/** Marks an open item seen; false when no open item has that id (resolved, or never was). */
export async function markSeen(env: Env, id: string): Promise<boolean> {
  if (!id || id.length > 500) return false;
  const open = await allAttention(env);
  if (!open.some((e) => e.id === id)) return false;
  const now = Date.now();
  // Again for a network: that renews its day off the list.
  await openDb(env).insert(attentionSeen).values({ id, seenAt: now }).onConflictDoUpdate({ target: attentionSeen.id, set: { seenAt: now } });
  return true;
}
