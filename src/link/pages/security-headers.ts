// Headers every Link page carries. The client secret is in the URL, so nothing may leak it (Referrer-Policy) and no
// inline script may run (CSP); framing is allowed only for embedded pages and only by the app's embed origins.
import type { FastifyReply } from 'fastify';

export interface PageSecurity {
  /** Origins allowed to frame the page; null for a page that must not be framed at all. */
  frameAncestors: string[] | null;
  /** Where forms may post or redirect after posting (the redirect URL's origin: CSP form-action covers redirects). */
  formTargets: string[];
}

export function applyPageSecurityHeaders(reply: FastifyReply, security: PageSecurity): void {
  const ancestors = security.frameAncestors ? ["'self'", ...security.frameAncestors].join(' ') : "'none'";
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `form-action 'self'${security.formTargets.length ? ' ' + security.formTargets.join(' ') : ''}`,
    `frame-ancestors ${ancestors}`,
    "base-uri 'none'",
  ].join('; ');
  reply.header('content-security-policy', csp);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cache-control', 'no-store');
  if (!security.frameAncestors) {
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
  }
}

export function applyAssetHeaders(reply: FastifyReply, contentType: string, options: { isCrossOrigin: boolean }): void {
  reply.type(contentType);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('cache-control', 'public, max-age=300');
  // embed.js is loaded by the integrator's pages on other origins; the page assets only by our own pages.
  reply.header('cross-origin-resource-policy', options.isCrossOrigin ? 'cross-origin' : 'same-origin');
}
