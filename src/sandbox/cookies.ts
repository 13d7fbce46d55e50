// Cookie header parsing and Set-Cookie formatting, kept tiny because it runs on every request.

export function parseCookieHeader(header: string | string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  const text = Array.isArray(header) ? header.join('; ') : header;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !(name in out)) out[name] = part.slice(eq + 1).trim();
  }
  return out;
}

/** A Set-Cookie value the way onlyfans.com shapes them (path /, long-lived, HttpOnly unless the page reads it). */
export function formatSetCookie(name: string, value: string, options: { httpOnly?: boolean; expiresAt?: number } = {}): string {
  const parts = [`${name}=${value}`, 'Path=/', 'SameSite=Lax'];
  if (options.expiresAt !== undefined) parts.push(`Expires=${new Date(options.expiresAt).toUTCString()}`);
  if (options.httpOnly !== false) parts.push('HttpOnly');
  return parts.join('; ');
}

/** Clears a cookie (logout). */
export function formatClearCookie(name: string): string {
  return `${name}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}

/** Shows which cookies a request carried without their values (request log, logs). */
export function redactCookieHeader(header: string | string[] | undefined): string | undefined {
  if (!header) return undefined;
  return Object.keys(parseCookieHeader(header))
    .map((name) => `${name}=[redacted]`)
    .join('; ');
}
