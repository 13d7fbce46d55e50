// Redirect URIs and embed origins: what a client app may list, and whether a requested redirect matches.

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

function parse(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** Why a redirect URI cannot be registered, or null when it can. https everywhere; http only on loopback. */
export function redirectUriProblem(value: string): string | null {
  const url = parse(value);
  if (!url) return 'is not an absolute URL';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) {
    return 'must use https (http is allowed only for localhost / 127.0.0.1)';
  }
  if (url.hash) return 'must not contain a fragment';
  if (url.username || url.password) return 'must not contain credentials';
  return null;
}

/** Why an embed origin cannot be registered: full origins only (scheme://host[:port]), no wildcards, no path. */
export function embedOriginProblem(value: string): string | null {
  if (value.includes('*')) return 'must be a full origin; wildcards are not allowed';
  const url = parse(value);
  if (!url) return 'is not an origin such as https://app.example.com';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) return 'must use https (http only on loopback)';
  if (url.origin !== value.replace(/\/$/, '')) return 'must be an origin only (scheme, host and port; no path, query or fragment)';
  return null;
}

export function normaliseOrigin(value: string): string {
  return new URL(value).origin;
}

/**
 * Exact match on scheme, host, port, path and query — except that on loopback the port may differ
 * (OAuth 2.0 for Native Apps, RFC 8252 §7.3: local callbacks pick their port at run time).
 */
export function isAllowedRedirect(candidate: string, allowed: readonly string[]): boolean {
  const url = parse(candidate);
  if (!url) return false;
  return allowed.some((entry) => {
    const registered = parse(entry);
    if (!registered) return false;
    if (registered.href === url.href) return true;
    if (!isLoopbackUrl(registered) || !isLoopbackUrl(url)) return false;
    return (
      registered.protocol === url.protocol &&
      registered.hostname === url.hostname &&
      registered.pathname === url.pathname &&
      registered.search === url.search
    );
  });
}
