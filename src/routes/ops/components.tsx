import type { Child, FC } from "hono/jsx";
import { CSS } from "./styles";
import { networkLabel as label } from "../../carriers";

// Small pieces shared by the console pages. Hono's JSX escapes every value it renders.

export type Flash = { text: string; bad?: boolean } | null;

const NAV = [
  { href: "/ops", text: "Overview", key: "overview" },
  { href: "/ops/consignments", text: "Consignments", key: "consignments" },
  { href: "/ops/imports", text: "Imports", key: "imports" },
  { href: "/ops/failures", text: "Failures", key: "failures" },
] as const;

export const Layout: FC<{ title: string; current?: string; flash?: Flash; signedIn?: boolean; children?: Child }> = ({ title, current, flash, signedIn = true, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      <title>{`${title} · palletbridge`}</title>
      {/* A constant, not data: escaping it would turn `>` and quotes into entities inside <style>. */}
      <style dangerouslySetInnerHTML={{ __html: CSS }} />
    </head>
    <body>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="/ops">palletbridge</a>
        {signedIn && (
          <>
            <nav aria-label="Console">
              <ul>
                {NAV.map((n) => (
                  <li>
                    <a href={n.href} aria-current={current === n.key ? "page" : undefined}>
                      {n.text}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <form class="inline" method="post" action="/ops/logout">
              <button class="secondary" type="submit">Sign out</button>
            </form>
          </>
        )}
      </header>
      <main id="main">
        {flash && (
          <p class={flash.bad ? "flash bad" : "flash"} role={flash.bad ? "alert" : "status"}>
            {flash.text}
          </p>
        )}
        {children}
      </main>
    </body>
  </html>
);

const LONDON = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", dateStyle: "medium", timeStyle: "medium" });

export function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** UK local time for people, ISO for machines and screen readers' "datetime". */
export const When: FC<{ iso: string | null; now?: number; relative?: boolean }> = ({ iso, now = Date.now(), relative }) => {
  if (!iso) return <span class="muted">never</span>;
  const t = Date.parse(iso);
  return (
    <time datetime={iso} title={iso}>
      {LONDON.format(t)}
      {relative ? ` (${ago(Math.max(0, now - t))} ago)` : ""}
    </time>
  );
};

export const Badge: FC<{ outcome: string; children?: Child }> = ({ outcome, children }) => (
  <span class={`badge ${outcome}`}>{children ?? outcome}</span>
);

/** A job status in the words of the timeline's outcomes (for colour) and in plain text. */
export const JobStatus: FC<{ status: string }> = ({ status }) => {
  const outcome = status === "done" ? "ok" : status === "failed" ? "error" : status === "skipped" ? "skipped" : "waiting";
  return <Badge outcome={outcome}>{status}</Badge>;
};

/** `back` lets the POST redirect to the page the operator was on. */
export const ReplayButton: FC<{ id: string; back: string; what: string }> = ({ id, back, what }) => (
  <form class="inline" method="post" action={`/ops/failures/${encodeURIComponent(id)}/replay`}>
    <input type="hidden" name="back" value={back} />
    <button type="submit" aria-label={`Replay ${what}`}>
      Replay
    </button>
  </form>
);

export const RefreshButton: FC<{ network: string; reference: string }> = ({ network, reference }) => (
  <form class="inline" method="post" action={`/ops/consignments/${encodeURIComponent(network)}/${encodeURIComponent(reference)}/refresh`}>
    <button type="submit">Fetch from {label(network)} now</button>
  </form>
);

export const consignmentHref = (network: string, reference: string) => `/ops/consignments/${encodeURIComponent(network)}/${encodeURIComponent(reference)}`;

export const SearchForm: FC<{ q?: string }> = ({ q }) => (
  <form method="get" action="/ops/consignments" role="search" class="row">
    <div>
      <label for="q">Network reference or TMS order</label>
      <input id="q" name="q" type="search" value={q ?? ""} autocomplete="off" spellcheck={false} />
    </div>
    <button type="submit">Find</button>
  </form>
);
