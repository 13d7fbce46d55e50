// The API reference at /docs in Chromium: it renders every operation of /openapi.json from files this service serves
// (no request leaves our origin, no console error under its CSP), and "Try it out" with a sandbox key given in
// Authorize sends it as apikey and shows the 200. Also over HTTP: /docs and /openapi.json need no key, only the
// files the page uses are served (not the rest of swagger-ui-dist), compressed when the browser accepts gzip.
import { gunzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { releaseAll } from '../support/cleanup.ts';
import { BROWSER_BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { operationsOf } from './openapi-rules.ts';

const RENDER_TIMEOUT_MS = 30_000;
const SCROLL_TIMEOUT_MS = 90_000;

interface PageVisit {
  page: Page;
  requests: string[];
  consoleErrors: string[];
}

describe.each(BROWSER_BACKENDS)('the API reference at /docs (%s)', (backend) => {
  let t: TestService;
  let browser: Browser;
  let context: BrowserContext;
  let assetUrls: string[];

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestService(backend), launchBrowser()]);
    context = await browser.newContext();
    const html = await call(t.url, 'GET', '/docs');
    assetUrls = [...String(html.body).matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
  }, 120_000); // a service and a Chromium at once, on a loaded machine
  afterAll(() => releaseAll(() => context?.close(), () => browser?.close(), () => t?.close()));

  async function openReference(): Promise<PageVisit> {
    const page = await context.newPage();
    const requests: string[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    const response = await page.goto(`${t.url}/docs`);
    expect(response?.status()).toBe(200);
    await page.locator('.opblock').first().waitFor({ timeout: RENDER_TIMEOUT_MS });
    return { page, requests, consoleErrors };
  }

  it('renders every operation of the document, fetching nothing from another origin and logging no error', { timeout: SCROLL_TIMEOUT_MS + RENDER_TIMEOUT_MS }, async () => {
    const { page, requests, consoleErrors } = await openReference();
    try {
      const document = (await call(t.url, 'GET', '/openapi.json')).body;
      expect(await page.title()).toBe('ofconnect API reference');
      const documented = operationsOf(document).map(({ operation }) => operation.operationId as string).sort();
      // Swagger UI renders the operations near the viewport only: read the page as a reader would, scrolling down.
      const rendered = new Set<string>();
      await expect
        .poll(
          async () => {
            for (const id of await page.locator('.opblock-summary-operation-id').allTextContents()) rendered.add(id.trim());
            await page.mouse.wheel(0, 500);
            return rendered.size;
          },
          { timeout: SCROLL_TIMEOUT_MS, interval: 100 },
        )
        .toBe(documented.length);
      expect([...rendered].sort()).toEqual(documented);
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.filter((url) => !url.startsWith(`${t.url}/`) && !url.startsWith('data:'))).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('"Try it out" on GET /v2/account/whoami sends the sandbox key given in Authorize as apikey and shows the 200', { timeout: 3 * RENDER_TIMEOUT_MS }, async () => {
    const { page, consoleErrors } = await openReference();
    try {
      await page.locator('button.authorize').first().click();
      await page.locator('.modal-ux input').first().fill(t.adminKey);
      await page.locator('.modal-ux .auth-btn-wrapper button.authorize').click();
      await page.locator('.modal-ux button.btn-done').click();

      const operation = page.locator('#operations-Account-accountWhoami');
      await operation.locator('.opblock-summary-control').click();
      await operation.locator('button.try-out__btn').click();
      const sent = page.waitForRequest((req) => req.url() === `${t.url}/v2/account/whoami`, { timeout: RENDER_TIMEOUT_MS });
      await operation.locator('button.execute').click();
      expect((await sent).headers().apikey).toBe(t.adminKey);

      const status = operation.locator('.live-responses-table tbody .response-col_status').first();
      await expect.poll(() => status.textContent(), { timeout: RENDER_TIMEOUT_MS }).toMatch(/^\s*200/);
      await expect.poll(() => operation.locator('.live-responses-table tbody .microlight').first().textContent(), { timeout: RENDER_TIMEOUT_MS }).toContain(t.orgId);
      expect(consoleErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('is public, under a CSP that allows our own origin only', async () => {
    const page = await call(t.url, 'GET', '/docs');
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
    expect((await call(t.url, 'GET', '/openapi.json')).status).toBe(200);
    const sources = String(page.headers['content-security-policy'])
      .split(';')
      .flatMap((directive) => directive.trim().split(/\s+/).slice(1));
    expect(sources.filter((source) => !["'self'", "'none'", 'data:', t.url].includes(source))).toEqual([]);
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('serves the files the page uses, gzipped when accepted, and nothing else of swagger-ui-dist', async () => {
    expect(assetUrls.length).toBe(4);
    let total = 0;
    for (const url of assetUrls) {
      const plain = await request(`${t.url}${url}`);
      const body = Buffer.from(await plain.body.arrayBuffer());
      expect(plain.statusCode, url).toBe(200);
      const zipped = await request(`${t.url}${url}`, { headers: { 'accept-encoding': 'gzip' } });
      const wire = Buffer.from(await zipped.body.arrayBuffer());
      if (zipped.headers['content-encoding'] === 'gzip') expect(gunzipSync(wire).equals(body), url).toBe(true);
      total += wire.length;
    }
    console.log(`/docs first load: ${total} bytes over the wire with gzip (${assetUrls.join(', ')})`);
    const bundle = assetUrls.find((url) => url.endsWith('/swagger-ui-bundle.js'))!;
    const zipped = await request(`${t.url}${bundle}`, { headers: { 'accept-encoding': 'gzip' } });
    await zipped.body.dump();
    expect(zipped.headers['content-encoding']).toBe('gzip');

    const directory = bundle.slice(0, bundle.lastIndexOf('/'));
    for (const other of ['index.html', 'swagger-initializer.js', 'swagger-ui-bundle.js.map', 'package.json', 'oauth2-redirect.html', '..%2Fpackage.json']) {
      expect((await call(t.url, 'GET', `${directory}/${other}`)).status, other).toBe(404);
    }
  });
});
