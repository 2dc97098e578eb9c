import type { FC } from "hono/jsx";
import { networkLabel as label } from "../../../carriers";
import { Badge, Layout, When, ago, consignmentHref, SearchForm, type Flash } from "../components";
import type { Overview } from "../../../read/overview";
import { explain } from "../../../read/explain";
import { RecentLocks } from "../locks";
import type { RecentLock } from "../../../read/locks";
import type { AttentionEntry } from "../../../read/attention";
import { ActivityChart } from "../activity-chart";
import type { StorageSummary } from "../../../read/storage";
import { StorageCard } from "./storage";

const KIND_WORDS: Record<string, { text: string; outcome: string }> = {
  failure: { text: "failure", outcome: "error" },
  network: { text: "network", outcome: "error" },
  exception: { text: "exception", outcome: "waiting" },
  held: { text: "held too long", outcome: "waiting" },
  window: { text: "window not closed", outcome: "waiting" },
  check: { text: "check failed", outcome: "error" },
};
const SHOWN = 50;

const AttentionItem: FC<{ e: AttentionEntry; now: number }> = ({ e, now }) => {
  const k = KIND_WORDS[e.kind] ?? { text: e.kind, outcome: "info" };
  return (
    <li class={k.outcome} data-id={e.id}>
      <p>
        <Badge outcome={k.outcome}>{k.text}</Badge> <a href={e.link}>{e.title}</a>{" "}
        <span class="muted">
          (<When iso={e.at} now={now} relative />)
        </span>
      </p>
      {e.action && (
        <p class="action">
          <strong>What to do:</strong> {e.action}
        </p>
      )}
      <form class="inline" method="post" action="/ops/attention/seen">
        <input type="hidden" name="id" value={e.id} />
        <input type="hidden" name="back" value="/ops" />
        <button class="secondary" type="submit" aria-label={`Mark seen: ${e.title}`}>
          Mark seen
        </button>
      </form>
    </li>
  );
};

const NeedsAttention: FC<{ o: Overview }> = ({ o }) => {
  const items = o.attention.items;
  return (
    <section class="attention" aria-labelledby="attention-h">
      <h2 id="attention-h">
        Needs attention{" "}
        <Badge outcome={items.length ? "error" : "ok"}>{String(items.length)}</Badge>
      </h2>
      {items.length === 0 ? (
        <p class="ok">Nothing needs attention{o.attention.seen ? ` (${o.attention.seen} marked seen)` : ""}.</p>
      ) : (
        <ol class="timeline attention-list">
          {items.slice(0, SHOWN).map((e) => (
            <AttentionItem e={e} now={o.now} />
          ))}
        </ol>
      )}
      {items.length > SHOWN && (
        <p class="muted">
          And {items.length - SHOWN} more: see <a href="/ops/failures">the failures</a>, or <code>GET /api/attention</code> for the whole list.
        </p>
      )}
    </section>
  );
};

const LastDay: FC<{ o: Overview }> = ({ o }) => {
  const shown = o.activity.networks.filter((a) => a.enabled || a.totals.docsIn + a.totals.docsOut + a.totals.events + a.totals.failures > 0);
  return (
    <section aria-labelledby="activity-h">
      <h2 id="activity-h">The last 24 hours</h2>
      {shown.length === 0 ? (
        <p class="muted">No network is switched on.</p>
      ) : (
        <div class="charts">
          {shown.map((a) => (
            <ActivityChart a={a} />
          ))}
        </div>
      )}
    </section>
  );
};

const NetworkCard: FC<{ n: Overview["networks"][number]; now: number }> = ({ n, now }) => {
  const advice = explain(n.network, n.last_error, n.last_error_code, n.action);
  const lag = n.last_success_at ? ago(Math.max(0, now - Date.parse(n.last_success_at))) : null;
  return (
    <section class="card" aria-labelledby={`net-${n.network}`}>
      <h3 id={`net-${n.network}`}>
        {label(n.network)}{" "}
        {n.enabled ? <Badge outcome={n.last_error ? "error" : "ok"}>{n.last_error ? "on, with errors" : "on"}</Badge> : <Badge outcome="info">off</Badge>}
      </h3>
      <dl>
        <dt>Last success</dt>
        <dd>
          <When iso={n.last_success_at} now={now} />
        </dd>
        <dt>Lag</dt>
        <dd>{lag ?? <span class="muted">no success yet</span>}</dd>
        {Object.entries(n.pulls).map(([pull, p]) => (
          <>
            <dt>Pull {pull}</dt>
            <dd>
              {p.last_success_at ? (
                <>
                  last success <When iso={p.last_success_at} now={now} relative />
                </>
              ) : (
                <span class="muted">no success yet</span>
              )}
              {p.stale && <span class="error"> (stale: no success for 30 minutes or more)</span>}
            </dd>
          </>
        ))}
        <dt>Last error</dt>
        <dd>
          {n.last_error ? (
            <>
              <span class="error">{n.last_error}</span>
              {n.last_error_at && (
                <>
                  {" "}
                  <span class="muted">
                    (<When iso={n.last_error_at} now={now} relative />)
                  </span>
                </>
              )}
            </>
          ) : (
            <span class="muted">none</span>
          )}
        </dd>
      </dl>
      {!n.enabled && <p class="muted">Switched off: its settings are absent.</p>}
      {n.last_error && advice && (
        <p class="action">
          <strong>What to do:</strong> {advice}
        </p>
      )}
    </section>
  );
};

export const OverviewPage: FC<{ o: Overview; flash: Flash; locks?: RecentLock[]; storage?: StorageSummary }> = ({ o, flash, locks, storage }) => (
  <Layout title="Overview" current="overview" flash={flash}>
    <h1>Overview</h1>
    <NeedsAttention o={o} />
    <SearchForm />
    {!o.tmsEnabled && (
      <p class="flash bad" role="alert">
        The TMS settings are absent, so nothing reaches Qargo.
      </p>
    )}
    {o.configProblems.length > 0 && (
      <section class="flash bad" aria-labelledby="config-h">
        <h2 id="config-h">Settings that need fixing</h2>
        <ul>
          {o.configProblems.map((p) => (
            <li>{p}</li>
          ))}
        </ul>
      </section>
    )}
    <h2>Networks</h2>
    <div class="grid">
      {o.networks.map((n) => (
        <NetworkCard n={n} now={o.now} />
      ))}
    </div>
    <LastDay o={o} />
    <h2>Work</h2>
    <div class="grid">
      <section class="card" aria-labelledby="backlog-h">
        <h3 id="backlog-h">Queue backlog</h3>
        <p>
          <strong>{o.backlog.queued}</strong> waiting, <strong>{o.backlog.running}</strong> running
        </p>
      </section>
      {o.bookings.map((b) => (
        <section class="card" aria-labelledby={`bookings-${b.network}-h`}>
          <h3 id={`bookings-${b.network}-h`}>{b.label} bookings, last 24 hours</h3>
          <p>
            {Object.entries(b.counts).map(([state, n], i) => (
              <>
                {i > 0 ? ", " : ""}
                <strong class={(state === "refused" || state === "failed") && n ? "error" : undefined}>{n}</strong> {state}
              </>
            ))}
          </p>
        </section>
      ))}
      <section class="card" aria-labelledby="failed-h">
        <h3 id="failed-h">Failures</h3>
        <p>
          <strong class={o.failed ? "error" : "ok"}>{o.failed}</strong> {o.failed === 1 ? "piece" : "pieces"} of work stopped and {o.failed === 1 ? "waits" : "wait"} for an operator.{" "}
          <a href="/ops/failures">{o.failed ? "Review and replay" : "See the list"}</a>
        </p>
      </section>
    </div>
    {o.openWork.map((w) => (
      <>
        <h2>{w.title}</h2>
        {w.items.length === 0 ? (
          <p class="muted">{w.empty}</p>
        ) : (
          <div class="scroll">
            <table>
              <caption class="muted">{w.caption}</caption>
              <thead>
                <tr>
                  <th scope="col">{w.referenceLabel}</th>
                  <th scope="col">Since</th>
                  <th scope="col">Closes</th>
                  <th scope="col" class="opt">Progress</th>
                  <th scope="col" class="opt">Status</th>
                </tr>
              </thead>
              <tbody>
                {w.items.map((item) => (
                  <tr>
                    <td>
                      <a href={consignmentHref(w.network, item.reference)}>{item.reference}</a>
                    </td>
                    <td>
                      <When iso={new Date(item.startedAt).toISOString()} now={o.now} />
                    </td>
                    <td>{item.closesAt > o.now ? `in ${ago(item.closesAt - o.now)}` : `overdue by ${ago(o.now - item.closesAt)}`}</td>
                    <td class="opt">{item.progress}</td>
                    <td class="opt">{item.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </>
    ))}
    {locks && <RecentLocks locks={locks} now={o.now} />}
    {storage && <StorageCard s={storage} now={o.now} />}
  </Layout>
);
