// Public branding assets of the Link pages: an app's stored logo by content hash, and the stylesheet of a brand colour.
// Both names say their content (the hash, the colour), so both may be cached for a year.
import { Type } from 'typebox';
import type { ServiceContext } from '../../platform/context.ts';
import type { HttpApp } from '../../platform/http/http-app.ts';
import { notFound } from '../../platform/errors.ts';
import { brandPalette, brandStylesheet } from './contrast.ts';
import { findLogoByHashAcrossOrgs } from './logo-store.ts';

const HIDDEN = { hide: true } as const;
const LogoParams = Type.Object({ file: Type.String({ pattern: '^[0-9a-f]{64}\\.webp$' }) });
const BrandParams = Type.Object({ file: Type.String({ pattern: '^[0-9a-f]{6}\\.css$' }) });
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Where a brand colour's stylesheet is served (the colour lower-cased, without '#'). */
export function brandStylesheetPath(brandColor: string): string {
  return `/link/brand/${brandColor.slice(1).toLowerCase()}.css`;
}

export function registerBrandingRoutes(app: HttpApp, ctx: ServiceContext): void {
  app.get('/link/logos/:file', { schema: { ...HIDDEN, params: LogoParams } }, async (request, reply) => {
    const { file } = request.params as { file: string };
    const logo = await findLogoByHashAcrossOrgs(ctx.database.db, file.slice(0, 64));
    if (!logo) throw notFound('Logo', file);
    reply.type(logo.contentType);
    reply.header('cache-control', IMMUTABLE);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('content-security-policy', "default-src 'none'");
    // Embedded Link pages load it from our origin; integrators may show it too.
    reply.header('cross-origin-resource-policy', 'cross-origin');
    return reply.send(logo.bytes);
  });

  app.get('/link/brand/:file', { schema: { ...HIDDEN, params: BrandParams } }, async (request, reply) => {
    const { file } = request.params as { file: string };
    const palette = brandPalette(`#${file.slice(0, 6)}`)!;
    reply.type('text/css; charset=utf-8');
    reply.header('cache-control', IMMUTABLE);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cross-origin-resource-policy', 'same-origin');
    return brandStylesheet(palette);
  });
}
