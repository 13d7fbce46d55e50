// Client app branding through the management API: display name, brand colour, logo (uploaded or fetched once, re-encoded,
// served by us under its content hash), privacy and terms links; and every refusal stores nothing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brandPalette, contrastRatio, parseHexColor, CARD_BACKGROUND } from '../../src/link/branding/contrast.ts';
import { BACKENDS } from '../support/databases.ts';
import { createOrgKey } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

async function pngLogo(size = 600, withExif = false): Promise<Buffer> {
  const image = sharp({ create: { width: size, height: Math.round(size / 2), channels: 4, background: { r: 200, g: 30, b: 90, alpha: 1 } } }).png();
  return withExif ? image.withExif({ IFD0: { Copyright: 'secret-owner-name', Artist: 'someone' } }).toBuffer() : image.toBuffer();
}

const SVG = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');

describe.each(BACKENDS)('client app branding (%s)', (backend) => {
  let t: TestService;
  let imageServer: http.Server;
  let imageBase: string;
  let imageHits = 0;
  let served: Buffer;

  beforeAll(async () => {
    t = await startTestService(backend);
    served = await pngLogo(300);
    imageServer = http.createServer((req, res) => {
      imageHits++;
      if (req.url === '/logo.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(served);
      if (req.url === '/moved.png') return void res.writeHead(302, { location: '/logo.png' }).end();
      if (req.url === '/huge.png') {
        res.writeHead(200, { 'content-type': 'image/png' });
        return void res.end(Buffer.alloc(2 * 1024 * 1024, 1));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve));
    imageBase = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    try {
      if (imageServer) {
        imageServer.closeAllConnections();
        await new Promise((resolve) => imageServer.close(resolve));
      }
    } finally {
      await t?.close();
    }
  });

  const logoRowsOf = async (appId: string) => {
    const result = await t.database.handle.db.execute(sql`select count(*)::int as n from client_app_logos where app_id = ${appId}`);
    return (result as unknown as { rows: Array<{ n: number }> }).rows[0].n;
  };
  const appCountOf = async (key: string) => (await call(t.url, 'GET', '/v2/client-apps', { key })).body.list.length as number;

  it('an app created with a display name, colour, uploaded logo and terms link shows them, and the logo is served re-encoded under its hash', async () => {
    const key = await createOrgKey(t.database.handle, 'Branding upload');
    const created = await call(t.url, 'POST', '/v2/client-apps', {
      key,
      body: {
        name: 'crm-internal',
        displayName: 'Fan CRM',
        brandColor: '#FF5A1F',
        logo: { data: (await pngLogo(600, true)).toString('base64') },
        profile: { privacyPolicyUrl: 'https://fancrm.example/privacy', termsUrl: 'https://fancrm.example/terms' },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ displayName: 'Fan CRM', brandColor: '#ff5a1f', profile: { termsUrl: 'https://fancrm.example/terms' } });
    expect(created.body.logoUrl).toMatch(/^\/link\/logos\/[0-9a-f]{64}\.webp$/);
    const fetched = await call(t.url, 'GET', `/v2/client-apps/${created.body.id}`, { key });
    expect(fetched.body).toMatchObject({ displayName: 'Fan CRM', brandColor: '#ff5a1f', logoUrl: created.body.logoUrl });

    const res = await request(`${t.url}${created.body.logoUrl}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/webp');
    expect(res.headers['cache-control']).toContain('immutable');
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(256);
    expect(meta.exif).toBeUndefined();
    expect(bytes.includes(Buffer.from('secret-owner-name'))).toBe(false);
  });

  it('a logo URL is fetched once and served from here; a redirecting or missing URL is refused naming logo.url', async () => {
    const key = await createOrgKey(t.database.handle, 'Branding URL');
    const before = imageHits;
    const created = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'By URL', logo: { url: `${imageBase}/logo.png` } } });
    expect(created.status).toBe(201);
    expect(imageHits - before).toBe(1);
    expect(created.body.logoUrl).toMatch(/^\/link\/logos\/[0-9a-f]{64}\.webp$/);
    expect((await request(`${t.url}${created.body.logoUrl}`)).statusCode).toBe(200);
    expect(imageHits - before).toBe(1);

    for (const path of ['/moved.png', '/missing.png']) {
      const refused = await call(t.url, 'PATCH', `/v2/client-apps/${created.body.id}`, { key, body: { logo: { url: `${imageBase}${path}` } } });
      expect(refused.status).toBe(400);
      expect(refused.body.details.field).toBe('logo.url');
      expect(refused.body.message).toMatch(/HTTP (302|404)/);
    }
    const still = await call(t.url, 'GET', `/v2/client-apps/${created.body.id}`, { key });
    expect(still.body.logoUrl).toBe(created.body.logoUrl);
  });

  it('an SVG, a file over 1 MB and bytes that are no image are refused with a clear error and store nothing', async () => {
    const key = await createOrgKey(t.database.handle, 'Branding refusals');
    const cases: Array<[string, unknown, RegExp, string]> = [
      ['svg', { data: SVG.toString('base64') }, /SVG logos are not accepted/, 'logo.data'],
      ['huge', { data: Buffer.concat([await pngLogo(10), Buffer.alloc(1024 * 1024)]).toString('base64') }, /limit is 1048576 bytes/, 'logo.data'],
      ['not an image', { data: Buffer.from('hello, this is text').toString('base64') }, /not a PNG, JPEG, WebP or GIF/, 'logo.data'],
      ['broken png', { data: (await pngLogo(50)).subarray(0, 60).toString('base64') }, /could not be read as an image/, 'logo.data'],
      ['huge by URL', { url: `${imageBase}/huge.png` }, /limit/, 'logo.url'],
    ];
    for (const [name, logo, message, field] of cases) {
      const refused = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name, logo } });
      expect(refused.status, name).toBe(400);
      expect(refused.body.type, name).toBe('BAD_REQUEST');
      expect(refused.body.message, name).toMatch(message);
      expect(refused.body.details.field, name).toBe(field);
    }
    expect(await appCountOf(key)).toBe(0);

    const app = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'Kept' } });
    const refusedUpdate = await call(t.url, 'PATCH', `/v2/client-apps/${app.body.id}`, { key, body: { displayName: 'Changed', logo: { data: SVG.toString('base64') } } });
    expect(refusedUpdate.status).toBe(400);
    expect(await logoRowsOf(app.body.id)).toBe(0);
    const unchanged = await call(t.url, 'GET', `/v2/client-apps/${app.body.id}`, { key });
    expect(unchanged.body).toMatchObject({ displayName: null, logoUrl: null });
  });

  it('a logo set to null is removed and its URL stops serving', async () => {
    const key = await createOrgKey(t.database.handle, 'Branding removal');
    const app = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'Removable', logo: { data: (await pngLogo(64)).toString('base64') } } });
    expect(await logoRowsOf(app.body.id)).toBe(1);
    const cleared = await call(t.url, 'PATCH', `/v2/client-apps/${app.body.id}`, { key, body: { logo: null } });
    expect(cleared.body.logoUrl).toBeNull();
    expect(await logoRowsOf(app.body.id)).toBe(0);
    expect((await request(`${t.url}${app.body.logoUrl}`)).statusCode).toBe(404);
  });

  it('brand colours must be #rrggbb; privacy and terms links must be https without CR, LF or NUL (each naming its field)', async () => {
    const key = await createOrgKey(t.database.handle, 'Branding validation');
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ brandColor: '#fff' }, 'brandColor'],
      [{ brandColor: 'red' }, 'brandColor'],
      [{ profile: { privacyPolicyUrl: 'http://fancrm.example/privacy' } }, 'profile.privacyPolicyUrl'],
      [{ profile: { termsUrl: 'javascript:alert(1)' } }, 'profile.termsUrl'],
      [{ profile: { termsUrl: 'https://fancrm.example/terms\r\nSet-Cookie: x=1' } }, 'profile.termsUrl'],
      [{ profile: { termsUrl: 'https://fancrm.example/\u0000terms' } }, 'profile.termsUrl'],
    ];
    for (const [fields, field] of bad) {
      const refused = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'Invalid', ...fields } });
      expect(refused.status, JSON.stringify(fields)).toBe(400);
      expect(String(refused.body.details?.field ?? refused.body.message), JSON.stringify(fields)).toContain(field.split('.').pop()!);
    }
    expect(await appCountOf(key)).toBe(0);
  });

  it('the brand stylesheet keeps 4.5:1 against the card in both themes, for a light yellow and a dark navy', async () => {
    for (const color of ['#fff3a0', '#0a1f44']) {
      const palette = brandPalette(color)!;
      for (const theme of ['light', 'dark'] as const) {
        const accent = parseHexColor(palette[theme].accent)!;
        expect(contrastRatio(accent, parseHexColor(CARD_BACKGROUND[theme])!), `${color} ${theme}`).toBeGreaterThanOrEqual(4.5);
        expect(contrastRatio(accent, parseHexColor(palette[theme].accentText)!), `${color} ${theme} text`).toBeGreaterThanOrEqual(4.5);
      }
      const css = await request(`${t.url}/link/brand/${color.slice(1)}.css`);
      expect(css.statusCode).toBe(200);
      const text = await css.body.text();
      expect(text).toContain(`--accent:${palette.light.accent}`);
      expect(text).toContain(`--accent:${palette.dark.accent}`);
    }
    // A colour that already reads well is kept as it is.
    expect(brandPalette('#0b63ce')!.light.accent).toBe('#0b63ce');
  });
});
