// The API reference at /docs: Swagger UI rendering GET /openapi.json, its files served by this process from the
// installed swagger-ui-dist (no CDN, nothing fetched from another host), under a CSP that allows our own origin only.
// Only the files the page uses are served, each by name; "Try it out" sends the key given in Authorize as `apikey`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ServiceContext } from '../platform/context.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import { OPENAPI_PATH } from '../platform/http/openapi.ts';
import { sendStaticAsset, staticAsset, type StaticAsset } from '../platform/http/static-asset.ts';
import { packagePath } from '../platform/package-root.ts';

export const DOCS_PATH = '/docs';
const HIDDEN = { hide: true } as const;

// Resolved from the package root, so it works from src/ and from the dist/ bundle alike.
const SWAGGER_UI_DIR = path.dirname(createRequire(packagePath('package.json')).resolve('swagger-ui-dist/package.json'));
const SWAGGER_UI_VERSION = (JSON.parse(readFileSync(path.join(SWAGGER_UI_DIR, 'package.json'), 'utf8')) as { version: string }).version;
/** The version is in the URL, so the files can be cached for good: an upgrade changes their address. */
const ASSETS_PATH = `${DOCS_PATH}/assets/${SWAGGER_UI_VERSION}`;

// Our own start-up script (Swagger UI's configuration options): an inline one would need 'unsafe-inline'.
const START_SCRIPT = `'use strict';
window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(OPENAPI_PATH)},
  dom_id: '#swagger-ui',
  layout: 'BaseLayout',
  presets: [SwaggerUIBundle.presets.apis],
  deepLinking: true,
  displayOperationId: true,
  filter: true,
  // Tags open, operations closed: the list of every operation is the first thing a reader sees.
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  // Off: the validator badge would send the document to validator.swagger.io.
  validatorUrl: null,
  // The key stays in this page's memory, not in localStorage.
  persistAuthorization: false,
});
`;

const PAGE = (assets: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ofconnect API reference</title>
<link rel="icon" type="image/png" href="${assets}/favicon-32x32.png">
<link rel="stylesheet" href="${assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${assets}/swagger-ui-bundle.js"></script>
<script src="${assets}/reference.js"></script>
</body>
</html>
`;

/** The files the page loads: name → where it comes from. Nothing else under swagger-ui-dist is reachable. */
const ASSET_SOURCES: Record<string, { file?: string; text?: string; contentType: string; compress: boolean }> = {
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', contentType: 'text/javascript; charset=utf-8', compress: true },
  'swagger-ui.css': { file: 'swagger-ui.css', contentType: 'text/css; charset=utf-8', compress: true },
  'favicon-32x32.png': { file: 'favicon-32x32.png', contentType: 'image/png', compress: false },
  'reference.js': { text: START_SCRIPT, contentType: 'text/javascript; charset=utf-8', compress: false },
};

/** Read and gzipped on first request, then kept: a process that never serves /docs never holds the 1.7 MB bundle. */
function assetLoader(name: string): () => StaticAsset {
  const source = ASSET_SOURCES[name]!;
  let loaded: StaticAsset | null = null;
  return () => {
    if (loaded) return loaded;
    const body = source.file ? readFileSync(path.join(SWAGGER_UI_DIR, source.file)) : Buffer.from(source.text ?? '', 'utf8');
    loaded = staticAsset(body, source.contentType, { compress: source.compress });
    return loaded;
  };
}

/** Our own origin only: the page, its files and "Try it out" calls (to the document's server, the public origin). */
function contentSecurityPolicy(publicOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // Swagger UI's stylesheet draws its icons as data: SVGs.
    "img-src 'self' data:",
    `connect-src 'self' ${publicOrigin}`,
    "font-src 'self'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function registerApiReference(app: HttpApp, ctx: ServiceContext): void {
  const page = PAGE(ASSETS_PATH);
  app.get(DOCS_PATH, { schema: HIDDEN }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    reply.header('content-security-policy', contentSecurityPolicy(ctx.publicOrigin()));
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-cache');
    return page;
  });
  for (const name of Object.keys(ASSET_SOURCES)) {
    const load = assetLoader(name);
    app.get(`${ASSETS_PATH}/${name}`, { schema: HIDDEN }, async (request, reply) => sendStaticAsset(request, reply, load()));
  }
}
