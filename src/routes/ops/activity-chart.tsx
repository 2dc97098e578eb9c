import type { FC } from "hono/jsx";
import { networkLabel as label } from "../../carriers";
import type { ActivityHour, NetworkActivity } from "../../read/activity";

// The last 24 hours of one network as an SVG drawn on the server (no script, no front-end
// build): three lines (documents into the TMS, documents out, events applied) and red bars for
// failures, with the same numbers in a table as the text alternative.

const W = 720;
const H = 190;
const PAD = { left: 40, right: 10, top: 12, bottom: 30 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

type Series = { key: "docsIn" | "docsOut" | "events"; name: (n: string) => string; colour: string; dash?: string };
const SERIES: Series[] = [
  { key: "docsIn", name: () => "Documents into the TMS", colour: "#0969da" },
  { key: "docsOut", name: (n) => `Documents out to ${label(n)}`, colour: "#1a7f37", dash: "6 3" },
  { key: "events", name: () => "Events applied", colour: "#8250df", dash: "2 3" },
];
const FAILURE_COLOUR = "#cf222e";

const UK_HOUR = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
export const hourLabel = (ms: number) => UK_HOUR.format(ms);

/** A round ceiling for the y axis, so the gridlines read as plain numbers. */
function niceMax(v: number): number {
  if (v <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= v) return m * step;
  return 10 * step;
}

const x = (i: number) => PAD.left + (i + 0.5) * (PLOT_W / 24);
const y = (v: number, max: number) => PAD.top + PLOT_H - (v / max) * PLOT_H;
const r1 = (n: number) => Math.round(n * 10) / 10;

function summary(a: NetworkActivity): string {
  const t = a.totals;
  const busiest = a.hours.reduce<ActivityHour | null>((b, h) => {
    const sum = h.docsIn + h.docsOut + h.events;
    return sum > 0 && (!b || sum > b.docsIn + b.docsOut + b.events) ? h : b;
  }, null);
  return (
    `${label(a.network)}, last 24 hours: ${t.docsIn} document${t.docsIn === 1 ? "" : "s"} into the TMS, ${t.docsOut} out to ${label(a.network)}, ` +
    `${t.events} event${t.events === 1 ? "" : "s"} applied, ${t.failures} failure${t.failures === 1 ? "" : "s"}.` +
    (busiest ? ` Busiest hour: ${hourLabel(busiest.start)}.` : " Nothing happened.")
  );
}

export const ActivityChart: FC<{ a: NetworkActivity }> = ({ a }) => {
  const id = `activity-${a.network}`;
  const max = niceMax(Math.max(1, ...a.hours.flatMap((h) => [h.docsIn, h.docsOut, h.events, h.failures])));
  const barW = (PLOT_W / 24) * 0.5;
  return (
    <figure class="chart" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{label(a.network)}</h3>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-labelledby={`${id}-title`} aria-describedby={`${id}-desc`} xmlns="http://www.w3.org/2000/svg">
        <title id={`${id}-title`}>{`${label(a.network)}: the last 24 hours, hour by hour`}</title>
        <desc id={`${id}-desc`}>{summary(a)}</desc>
        {[0, 0.5, 1].map((f) => (
          <g>
            <line x1={PAD.left} x2={W - PAD.right} y1={r1(y(max * f, max))} y2={r1(y(max * f, max))} stroke="#d0d7de" stroke-width="1" />
            <text x={PAD.left - 6} y={r1(y(max * f, max) + 4)} text-anchor="end" font-size="11" fill="#57606a">
              {String(max * f)}
            </text>
          </g>
        ))}
        {a.hours.map((h, i) =>
          i % 3 === 0 ? (
            <text x={r1(x(i))} y={H - 10} text-anchor="middle" font-size="11" fill="#57606a">
              {hourLabel(h.start)}
            </text>
          ) : null,
        )}
        {a.hours.map((h, i) =>
          h.failures > 0 ? <rect class="failures" x={r1(x(i) - barW / 2)} y={r1(y(h.failures, max))} width={r1(barW)} height={r1(PAD.top + PLOT_H - y(h.failures, max))} fill={FAILURE_COLOUR} opacity="0.8" /> : null,
        )}
        {SERIES.map((s) => (
          <polyline
            class={`series ${s.key}`}
            points={a.hours.map((h, i) => `${r1(x(i))},${r1(y(h[s.key], max))}`).join(" ")}
            fill="none"
            stroke={s.colour}
            stroke-width="2"
            stroke-dasharray={s.dash}
            stroke-linejoin="round"
          />
        ))}
      </svg>
      <figcaption>
        <ul class="legend">
          {SERIES.map((s) => (
            <li>
              <span class="swatch" style={`border-top:3px ${s.dash ? "dashed" : "solid"} ${s.colour}`} aria-hidden="true"></span>
              {s.name(a.network)}: <strong>{a.totals[s.key]}</strong>
            </li>
          ))}
          <li>
            <span class="swatch bar" style={`background:${FAILURE_COLOUR}`} aria-hidden="true"></span>
            Failures: <strong>{a.totals.failures}</strong>
          </li>
        </ul>
        <details>
          <summary>The numbers, hour by hour</summary>
          <div class="scroll">
            <table id={`${id}-table`}>
              <caption class="muted">{summary(a)}</caption>
              <thead>
                <tr>
                  <th scope="col">Hour (UK)</th>
                  <th scope="col">Into the TMS</th>
                  <th scope="col">Out to {label(a.network)}</th>
                  <th scope="col">Events applied</th>
                  <th scope="col">Failures</th>
                </tr>
              </thead>
              <tbody>
                {a.hours.map((h) => (
                  <tr>
                    <th scope="row">
                      <time datetime={new Date(h.start).toISOString()}>{hourLabel(h.start)}</time>
                    </th>
                    <td>{h.docsIn}</td>
                    <td>{h.docsOut}</td>
                    <td>{h.events}</td>
                    <td>{h.failures}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </figcaption>
    </figure>
  );
};
