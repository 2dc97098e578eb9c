import type { FC } from "hono/jsx";
import { networkLabel as label } from "../../../carriers";
import { Layout, ReplayButton, When, consignmentHref, type Flash } from "../components";
import type { failures } from "../../../read/failures";
import { explain } from "../../../read/explain";

type Failure = Awaited<ReturnType<typeof failures>>[number];

export const FailuresPage: FC<{ list: Failure[]; flash: Flash }> = ({ list, flash }) => (
  <Layout title="Failures" current="failures" flash={flash}>
    <h1>Failures</h1>
    <p>Work that ran out of retries or cannot succeed without an operator. Fix the cause, then replay: a replay starts the attempts again from zero.</p>
    {list.length === 0 ? (
      <p class="ok">Nothing has failed.</p>
    ) : (
      <ul class="docs" style="grid-template-columns:1fr">
        {list.map((f) => {
          const advice = explain(f.network, f.last_error);
          return (
            <li id={`job-${f.id}`}>
              <h2 style="margin-top:0;font-size:1.05rem">
                <code>{f.kind}</code> for {label(f.network)} <a href={consignmentHref(f.network, f.reference)}>{f.reference}</a>
              </h2>
              <p>
                <span class="error">{f.last_error ?? "no error recorded"}</span>
              </p>
              {advice && (
                <p class="action">
                  <strong>What to do:</strong> {advice}
                </p>
              )}
              <p class="muted">
                {f.attempts} attempt{f.attempts === 1 ? "" : "s"}, failed <When iso={f.failed_at} relative />
              </p>
              <ReplayButton id={f.id} back="/ops/failures" what={`${f.kind} for ${f.reference}`} />
            </li>
          );
        })}
      </ul>
    )}
  </Layout>
);
