import type { FC } from "hono/jsx";
import { describeDestination, networkLabel as label } from "../../../carriers";
import { Badge, JobStatus, Layout, RefreshButton, ReplayButton, SearchForm, When, consignmentHref, type Flash } from "../components";
import type { ConsignmentPage, Match } from "../../../read/consignments";
import { explain } from "../../../read/explain";

type Doc = ConsignmentPage["documents"][number];

/** Types a browser draws in an <img>; TIFF and PDF get a file link instead. */
export const INLINE_IMAGE = /^image\/(jpeg|png|gif|webp)$/i;

const fileHref = (id: string) => `/ops/files/${encodeURIComponent(id)}`;

/** Where a document went, in the operator's terms. */
function wentTo(d: Doc, network: string): string {
  if (d.direction === "to_tms") return d.destination ? `TMS order ${d.destination}` : "TMS";
  if (!d.destination) return d.status === "received" ? `not sent to ${label(network)} yet` : `${label(network)}: ${d.status}`;
  return describeDestination(network, d.destination);
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function extension(filename: string, contentType: string | null): string {
  const ext = /\.([a-z0-9]{1,5})$/i.exec(filename)?.[1];
  if (ext) return ext.toUpperCase();
  return contentType === "application/pdf" ? "PDF" : "FILE";
}

/** Drawn, not an emoji: servers and kiosks often have no emoji font. */
const FileIcon: FC<{ ext: string }> = ({ ext }) => (
  <svg width="56" height="70" viewBox="0 0 56 70" aria-hidden="true" focusable="false">
    <path d="M4 2h34l14 14v52H4z" fill="#fff" stroke="#57606a" stroke-width="3" />
    <path d="M38 2v14h14" fill="none" stroke="#57606a" stroke-width="3" />
    <text x="28" y="50" text-anchor="middle" font-size="14" font-family="sans-serif" font-weight="700" fill="#0550ae">
      {ext}
    </text>
  </svg>
);

const DocumentCard: FC<{ d: Doc; network: string }> = ({ d, network }) => {
  const image = d.stored && INLINE_IMAGE.test(d.content_type ?? "");
  return (
    <li>
      {image ? (
        <a href={fileHref(d.id)}>
          <img src={fileHref(d.id)} alt={`${d.document_type} ${d.filename}`} loading="lazy" width={320} height={240} />
        </a>
      ) : d.stored ? (
        <a class="file" href={fileHref(d.id)} aria-label={`Open ${d.filename}`}>
          <FileIcon ext={extension(d.filename, d.content_type)} />
        </a>
      ) : (
        <span class="file muted" style="font-size:1rem">no stored copy</span>
      )}
      <h3 style="margin:.4rem 0 .1rem;font-size:.95rem;overflow-wrap:anywhere">{d.filename}</h3>
      <p class="muted" style="margin:0">
        {d.document_type} · {d.direction === "to_tms" ? `from ${label(network)} to the TMS` : `from the TMS`}
        {d.size != null ? ` · ${size(d.size)}` : ""}
      </p>
      <p style="margin:.2rem 0 0">
        <strong>Went to:</strong> {wentTo(d, network)}
      </p>
    </li>
  );
};

type Unit = ConsignmentPage["handling_units"][number];

/** Pallet scans, per pallet: what the network said about each handling unit, and where it stands. */
const HandlingUnits: FC<{ units: Unit[] }> = ({ units }) => (
  <>
    <h2 id="pallets">Pallet scans ({units.length} pallet{units.length === 1 ? "" : "s"})</h2>
    {units.map((u) => (
      <section aria-labelledby={`hu-${u.barcode}`}>
        <h3 id={`hu-${u.barcode}`} style="font-size:1rem;margin:.8rem 0 .3rem">
          Pallet <code>{u.barcode}</code>
        </h3>
        {u.scans.length === 0 ? (
          <p class="muted">No scans yet.</p>
        ) : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col" class="opt">Scan</th>
                  <th scope="col" class="opt">Where</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {u.scans.map((s) => (
                  <tr>
                    <td>
                      <When iso={s.at} />
                    </td>
                    <td>
                      {s.what}
                      {s.note ? <span class="muted"> · “{s.note}”</span> : null}
                    </td>
                    <td class="opt">{s.status ?? <span class="muted">none</span>}</td>
                    <td class="opt">{s.location ?? <span class="muted">not given</span>}</td>
                    <td>{s.failed ? <span class="error">{s.state}</span> : s.state}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    ))}
  </>
);

type Booking = NonNullable<ConsignmentPage["booking"]>;

/** A booking made from a TMS dispatch: what was sent, what came back, and what followed. */
const BookingPanel: FC<{ b: Booking }> = ({ b }) => (
  <>
    <h2 id="booking">{b.title}</h2>
    <div class="card">
      <dl>
        {b.facts.map((f) => (
          <>
            <dt>{f.label}</dt>
            <dd>
              {f.value}
              {f.block ? (
                <details>
                  <summary>{f.label}</summary>
                  <pre class="scroll" style="max-height:24rem">{f.block}</pre>
                </details>
              ) : null}
            </dd>
          </>
        ))}
      </dl>
    </div>
    <div class="scroll">
      <table aria-labelledby="booking">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">In the TMS</th>
          </tr>
        </thead>
        <tbody>
          {b.steps.map((s) => (
            <tr>
              <td>
                <When iso={new Date(s.at).toISOString()} />
              </td>
              <td>{s.what}</td>
              <td>{s.failed ? <span class="error">{s.state}</span> : s.state}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  </>
);

type Entry = ConsignmentPage["timeline"][number];

const TimelineItem: FC<{ e: Entry; network: string; docsBySha: Map<string, Doc> }> = ({ e, network, docsBySha }) => {
  const sha = typeof e.detail?.sha256 === "string" ? e.detail.sha256 : null;
  const doc = sha ? docsBySha.get(sha) : undefined;
  const advice = e.outcome === "error" ? explain(network, e.message, typeof e.detail?.code === "string" ? e.detail.code : null) : null;
  return (
    <li class={e.outcome}>
      <When iso={e.at} /> <Badge outcome={e.outcome}>{e.kind}</Badge> <code class="muted">{e.step}</code>
      <p>
        {doc && doc.stored && INLINE_IMAGE.test(doc.content_type ?? "") && <img class="thumb-inline" src={fileHref(doc.id)} alt="" loading="lazy" />}
        {e.message}
      </p>
      {advice && (
        <p class="action">
          <strong>What to do:</strong> {advice}
        </p>
      )}
    </li>
  );
};

const JobsTable: FC<{ c: ConsignmentPage; back: string }> = ({ c, back }) => (
  <div class="scroll">
    <table>
      <thead>
        <tr>
          <th scope="col">Work</th>
          <th scope="col">Status</th>
          <th scope="col" class="opt">Attempts</th>
          <th scope="col">Last error</th>
          <th scope="col">
            <span class="muted">Action</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {c.jobs.map((j) => (
          <tr id={`job-${j.id}`}>
            <td>
              <code>{j.kind}</code>
              <br />
              <When iso={j.updated_at} />
            </td>
            <td>
              <JobStatus status={j.status} />
            </td>
            <td class="opt">
              {j.attempts_list.length ? (
                <details>
                  <summary>{j.attempts}</summary>
                  <ol>
                    {j.attempts_list.map((a) => (
                      <li>
                        <When iso={new Date(a.startedAt).toISOString()} /> {a.outcome} in {a.ms} ms{a.error ? `: ${a.error}` : ""}
                      </li>
                    ))}
                  </ol>
                </details>
              ) : (
                j.attempts
              )}
            </td>
            <td>{j.last_error ? <span class="error">{j.last_error}</span> : <span class="muted">none</span>}</td>
            <td>{j.status === "failed" ? <ReplayButton id={j.id} back={back} what={`${j.kind}`} /> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </div>
);

export const ConsignmentView: FC<{ c: ConsignmentPage; flash: Flash; canRefresh: boolean }> = ({ c, flash, canRefresh }) => {
  const back = consignmentHref(c.network, c.reference);
  const docsBySha = new Map(c.documents.map((d) => [d.sha256, d] as const));
  return (
    <Layout title={`${label(c.network)} ${c.reference}`} current="consignments" flash={flash}>
      <h1>
        {label(c.network)} consignment <code>{c.reference}</code>
      </h1>
      <div class="card">
        <dl>
          <dt>TMS order</dt>
          <dd>{c.order_id ?? <span class="muted">not linked yet</span>}</dd>
          <dt>Customer reference</dt>
          <dd>{c.customer_reference_number ?? <span class="muted">none</span>}</dd>
          <dt>Our role</dt>
          <dd>{c.role ? c.role.toLowerCase() : <span class="muted">unknown</span>}</dd>
          {c.import && (
            <>
              <dt>Imported</dt>
              <dd>
                from {c.import.source}, first seen <When iso={c.import.first_seen_at} relative />: {c.import.status}
                {c.import.error && <span class="error"> ({c.import.error})</span>}
              </dd>
            </>
          )}
        </dl>
        {canRefresh && (
          <p style="margin:.6rem 0 0">
            <RefreshButton network={c.network} reference={c.reference} />
          </p>
        )}
      </div>
      {c.booking && <BookingPanel b={c.booking} />}
      {c.handling_units.length > 0 && <HandlingUnits units={c.handling_units} />}
      <h2 id="documents">Documents ({c.documents.length})</h2>
      {c.documents.length === 0 ? (
        <p class="muted">No documents yet.</p>
      ) : (
        <ul class="docs" aria-labelledby="documents">
          {c.documents.map((d) => (
            <DocumentCard d={d} network={c.network} />
          ))}
        </ul>
      )}
      <h2 id="work">Work ({c.jobs.length})</h2>
      {c.jobs.length === 0 ? <p class="muted">No work recorded.</p> : <JobsTable c={c} back={back} />}
      <h2 id="timeline">Timeline, newest first</h2>
      {c.timeline.length === 0 ? (
        <p class="muted">Nothing recorded yet.</p>
      ) : (
        <ol class="timeline" aria-labelledby="timeline">
          {c.timeline.map((e) => (
            <TimelineItem e={e} network={c.network} docsBySha={docsBySha} />
          ))}
        </ol>
      )}
    </Layout>
  );
};

export const SearchPage: FC<{ q: string; matches: Match[]; flash: Flash }> = ({ q, matches, flash }) => (
  <Layout title="Consignments" current="consignments" flash={flash}>
    <h1>Find a consignment</h1>
    <SearchForm q={q} />
    {q && (
      <>
        <h2>Results for “{q}”</h2>
        {matches.length === 0 ? (
          <p role="status">No consignment matches that network reference or TMS order.</p>
        ) : (
          <ul>
            {matches.map((m) => (
              <li>
                <a href={consignmentHref(m.network, m.reference)}>
                  {label(m.network)} {m.reference}
                </a>
                {m.orderName || m.customerReference ? <span class="muted"> · {[m.orderName, m.customerReference].filter(Boolean).join(" · ")}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </>
    )}
  </Layout>
);

export const NotFoundPage: FC<{ what: string }> = ({ what }) => (
  <Layout title="Not found" current="consignments">
    <h1>Not found</h1>
    <p role="alert">{what}</p>
    <SearchForm />
  </Layout>
);
