import type { FC } from "hono/jsx";
import type { StorageSummary } from "../../../read/storage";
import { When } from "../components";

// The overview's storage card: database size, and what the last retention pass removed.

function mb(bytes: number): string {
  return `${(bytes / 1024 ** 2).toLocaleString("en-GB", { maximumFractionDigits: 1 })} MB`;
}

export const StorageCard: FC<{ s: StorageSummary; now: number }> = ({ s, now }) => {
  const removed = s.lastPass ? Object.entries(s.lastPass.removed).filter(([, n]) => n > 0) : [];
  return (
    <section class="card" aria-labelledby="storage">
      <h2 id="storage">Storage</h2>
      <dl>
        <dt>Database size</dt>
        <dd>{s.databaseBytes === null ? <span class="muted">not known</span> : `${mb(s.databaseBytes)} of ${mb(s.limitBytes)} (${((s.databaseBytes / s.limitBytes) * 100).toFixed(2)} %)`}</dd>
        <dt>Kept for</dt>
        <dd>{s.retentionDays} days (RETENTION_DAYS)</dd>
        <dt>Last retention pass</dt>
        <dd>
          {s.lastPass ? (
            <>
              <When iso={new Date(s.lastPass.at).toISOString()} now={now} />
              {": "}
              {removed.length ? removed.map(([k, n]) => `${n.toLocaleString("en-GB")} ${k.replace(/_/g, " ")}`).join(", ") : "nothing old enough to remove"}
              {s.lastPass.errors.length > 0 && <span class="error"> ({s.lastPass.errors.join("; ")})</span>}
            </>
          ) : (
            <span class="muted">not run yet (it runs once a day from the 10-minute cron)</span>
          )}
        </dd>
      </dl>
    </section>
  );
};
