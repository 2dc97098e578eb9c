// A cross-site form post carries a SameSite=Strict cookie in no browser, but a same-site sibling
// origin could still post; browsers say where a request came from, so any other origin is
// refused. Clients that send neither header (curl with a Bearer token) are not browsers.
export function sameOrigin(headers: Headers, requestUrl: string): boolean {
  const site = headers.get("sec-fetch-site");
  if (site) return site === "same-origin";
  const origin = headers.get("origin");
  if (!origin) return true;
  try {
    const from = new URL(origin).host;
    return from === new URL(requestUrl).host || from === headers.get("host");
  } catch {
    return false;
  }
}
