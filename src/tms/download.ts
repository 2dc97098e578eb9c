import { PermanentError } from "../lib/errors";

// Where a TMS download_url may be fetched from, and with what (tms-qargo.md, contracts rule 7).
// A download_url arrives in webhook data, so whoever can post one webhook chooses it: the TMS
// bearer token goes to TMS_API_URL's origin only; a host listed in TMS_DOWNLOAD_HOSTS (a storage
// host behind pre-signed links) is fetched over https with no credentials at all; anything else
// is refused before a single byte leaves. Redirects are walked here, one hop at a time, through
// the same test, so a credential can never follow a redirect off the TMS origin.

export const MAX_REDIRECTS = 5;

const HOST_ACTION = "If that host is the tenant's own document storage, add it to TMS_DOWNLOAD_HOSTS (https only), then replay; otherwise leave it refused";

export type DownloadAuth = "bearer" | "none";
export type DownloadDecision = { ok: true; url: string; auth: DownloadAuth } | { ok: false; reason: string };

export interface DownloadPolicy {
  /** TMS_API_URL, without a trailing slash. */
  apiUrl: string;
  /** TMS_DOWNLOAD_HOSTS: lower-case host names. */
  allowedHosts: readonly string[];
}

/** The whole rule, with no I/O: which URL, with which credentials, or why not at all. */
export function decideDownload(target: string, policy: DownloadPolicy, base: string = policy.apiUrl): DownloadDecision {
  let url: URL;
  try {
    // A relative download_url is relative to TMS_API_URL (its path included).
    url = /^[a-z][a-z0-9+.-]*:/i.test(target) ? new URL(target) : new URL(joinRelative(base, target));
  } catch {
    return { ok: false, reason: "download URL is not a URL" };
  }
  const tms = new URL(policy.apiUrl);
  if (url.username || url.password) return { ok: false, reason: `download host not allowed: ${url.host} (a URL with credentials in it); TMS_DOWNLOAD_HOSTS` };
  if (url.origin === tms.origin) return { ok: true, url: url.toString(), auth: "bearer" };
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (!policy.allowedHosts.includes(host)) {
    return { ok: false, reason: `download host not allowed: ${url.host} is neither TMS_API_URL nor listed in TMS_DOWNLOAD_HOSTS` };
  }
  if (url.protocol !== "https:") {
    return { ok: false, reason: `download host not allowed: ${url.protocol}//${url.host} is listed in TMS_DOWNLOAD_HOSTS but only https is fetched from it` };
  }
  return { ok: true, url: url.toString(), auth: "none" };
}

function joinRelative(apiUrl: string, path: string): string {
  if (path.startsWith("//")) return `${new URL(apiUrl).protocol}${path}`;
  return `${apiUrl}${path.startsWith("/") ? "" : "/"}${path}`;
}

/** One hop, made by the caller (limiter, token, errors); it must not follow redirects itself. */
export type DownloadHop = (url: string, auth: DownloadAuth) => Promise<Response>;

/**
 * Fetch a download_url under the policy: each hop is decided afresh and a redirect's Location is
 * resolved against the hop that gave it. The body's ceiling (100 MB) is kept by whoever reads it:
 * storeStream refuses a declared length over it and stops reading the moment a body passes it.
 */
export async function fetchDownload(target: string, policy: DownloadPolicy, hop: DownloadHop): Promise<Response> {
  let decision = decideDownload(target, policy);
  for (let hops = 0; ; hops++) {
    if (!decision.ok) throw new PermanentError(decision.reason, "TMS_DOWNLOAD_HOST", HOST_ACTION);
    const res = await hop(decision.url, decision.auth);
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get("location");
      await res.body?.cancel();
      if (!location) throw new PermanentError(`the download answered ${res.status} without a Location`, "TMS_DOWNLOAD_REDIRECT");
      if (hops + 1 > MAX_REDIRECTS) throw new PermanentError(`the download redirected more than ${MAX_REDIRECTS} times`, "TMS_DOWNLOAD_REDIRECT");
      let next: string;
      try {
        next = new URL(location, decision.url).toString();
      } catch {
        throw new PermanentError("the download redirected to something that is not a URL", "TMS_DOWNLOAD_REDIRECT");
      }
      decision = decideDownload(next, policy);
      continue;
    }
    return res;
  }
}
