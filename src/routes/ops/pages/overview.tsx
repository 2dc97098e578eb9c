import type { FC } from "hono/jsx";
import { networkLabel as label } from "../../../carriers";
import { Badge, Layout, When, ago, consignmentHref, SearchForm, type Flash } from "../components";
import type { Overview } from "../../../read/overview";
import { explain } from "../../../read/explain";
import type { StorageSummary } from "../../../read/storage";
import { StorageCard } from "./storage";

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

export const OverviewPage: FC<{ o: Overview; flash: Flash; storage?: StorageSummary }> = ({ o, flash, storage }) => (
  <Layout title="Overview" current="overview" flash={flash}>
    <h1>Overview</h1>
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
    <h2>Work</h2>
    <div class="grid">
      <section class="card" aria-labelledby="backlog-h">
        <h3 id="backlog-h">Queue backlog</h3>
        <p>
          <strong>{o.backlog.queued}</strong> waiting, <strong>{o.backlog.running}</strong> running
        </p>
      </section>
      <section class="card" aria-labelledby="failed-h">
        <h3 id="failed-h">Failures</h3>
        <p>
          <strong class={o.failed ? "error" : "ok"}>{o.failed}</strong> {o.failed === 1 ? "piece" : "pieces"} of work stopped and {o.failed === 1 ? "waits" : "wait"} for an operator.{" "}
          <a href="/ops/failures">{o.failed ? "Review and replay" : "See the list"}</a>
        </p>
      </section>
    </div>
    <h2>Open Palletways photo windows</h2>
    {o.windows.length === 0 ? (
      <p class="muted">None open: no Palletways delivery is waiting for photos.</p>
    ) : (
      <div class="scroll">
        <table>
          <caption class="muted">Photos are fetched from Palletways until each window closes.</caption>
          <thead>
            <tr>
              <th scope="col">Tracking ID</th>
              <th scope="col">Delivered</th>
              <th scope="col">Closes</th>
              <th scope="col" class="opt">Fetches</th>
              <th scope="col" class="opt">Status</th>
            </tr>
          </thead>
          <tbody>
            {o.windows.map((w) => (
              <tr>
                <td>
                  <a href={consignmentHref("palletways", w.trackingId)}>{w.trackingId}</a>
                </td>
                <td>
                  <When iso={new Date(w.completedAt).toISOString()} now={o.now} />
                </td>
                <td>in {ago(Math.max(0, w.closesAt - o.now))}</td>
                <td class="opt">{w.fetches}</td>
                <td class="opt">{w.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
    {storage && <StorageCard s={storage} now={o.now} />}
  </Layout>
);
