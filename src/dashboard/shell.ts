// The one HTML page of the dashboard (every /dashboard path answers it; the client app routes by path), and the headers
// it and its files carry. Nothing inline and nothing from another host: the CSP allows this origin's scripts, styles,
// images and fetches only.
import type { FastifyReply } from 'fastify';
import type { DashboardAssets } from './assets.ts';

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function shellHtml(assets: DashboardAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>ofconnect dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/assets/${escapeAttribute(assets.stylesheet)}">
<script type="module" src="/dashboard/assets/${escapeAttribute(assets.script)}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading the dashboard…</p></div>
<noscript><p class="boot">The dashboard needs JavaScript.</p></noscript>
</body>
</html>
`;
}

export const NOT_BUILT_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ofconnect dashboard</title></head>
<body><h1>The dashboard is not built</h1><p>Run <code>npm run build</code> (npm install and npm start do it), then reload.</p></body></html>
`;

export function applyShellHeaders(reply: FastifyReply): void {
  reply.type('text/html; charset=utf-8');
  reply.header('content-security-policy', DASHBOARD_CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
  // The page names the current build's hashed files: it must not be cached past a deploy.
  reply.header('cache-control', 'no-store');
}
