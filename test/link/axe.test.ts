// axe-core in Chromium on every Link page an end user can meet, light and dark: each step of the flow and its errors,
// the outcomes and notices (connected, failures, expired, already used, not valid, not embeddable, a refused form),
// the pages framed in an embed (with their Close button) and the host page with the embed modal open, the sign-in
// page in each language, and the development callback. No serious or critical finding is allowed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.ts';
import { launchBrowser } from '../support/browser.ts';
import { releaseAll } from '../support/cleanup.ts';
import { BROWSER_BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startLoopbackSite, type LoopbackSite } from './loopback-site.ts';
import { brandedAppBody } from './branded-app.ts';

let emailSeq = 0;
const uniqueEmail = (scenario: string) => `axe${process.pid}x${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;

describe.each(BROWSER_BACKENDS)('link pages: axe-core in Chromium (%s)', (backend) => {
  let t: TestService;
  let site: LoopbackSite;
  let host: LoopbackSite;
  let callback: string;
  let browser: Browser;
  let orgKey: string;
  let plainAppId: string;
  let brandedAppId: string;
  let embedAppId: string;
  let hostPageSeq = 0;
  // Moved only to show the expired page, and set back at once.
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    [t, browser, site, host] = await Promise.all([
      startTestService(backend, { clock }),
      launchBrowser(),
      startLoopbackSite('127.0.0.1'),
      startLoopbackSite('localhost'),
    ]);
    callback = `${site.origin}/callback`;
    orgKey = (await createKey(t.database.handle, await createOrg(t.database.handle, 'Northwind Studio'))).secret;
    const createApp = async (body: Record<string, unknown>) => {
      const app = await call(t.url, 'POST', '/v2/client-apps', { key: orgKey, body });
      expect(app.status).toBe(201);
      return app.body.id as string;
    };
    const logo = await sharp({ create: { width: 300, height: 300, channels: 4, background: { r: 10, g: 31, b: 68, alpha: 1 } } }).png().toBuffer();
    [plainAppId, brandedAppId, embedAppId] = await Promise.all([
      createApp({ name: 'Plain CRM', integrationType: 'redirect', redirectUris: [callback] }),
      createApp(brandedAppBody(logo, callback)),
      createApp({ name: 'Acme Modal', displayName: 'Acme Modal', brandColor: '#0a1f44', integrationType: 'embed', embedOrigins: [host.origin] }),
    ]);
  }, 120_000);
  afterAll(() =>
    releaseAll(
      () => browser?.close(),
      () => site?.close(),
      () => host?.close(),
      () => t?.close(),
    ),
  );

  async function newLink(body: Record<string, unknown> = {}): Promise<string> {
    const res = await call(t.url, 'POST', '/v2/link/init', { key: orgKey, body: { clientAppId: plainAppId, ...body } });
    expect(res.status).toBe(200);
    return res.body.url;
  }

  /** A fresh account connected through the API (the whitelabel-style login) on a new link: the link and the email. */
  async function connectThroughApi(): Promise<{ link: string; email: string }> {
    const link = await newLink();
    const email = uniqueEmail('creator');
    const secret = link.split('/link/')[1].split('?')[0];
    const connected = await call(t.url, 'POST', `/v2/link/${secret}/login`, { key: orgKey, body: { email, password: 'good-password' } });
    expect(connected.body.status, JSON.stringify(connected.body)).toBe('completed');
    return { link, email };
  }

  async function toLogin(page: Page, url: string) {
    await page.goto(url);
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.getByLabel('Email').waitFor();
  }

  /** The link as the embed frames it (the page reads embed and embed_origin), opened here as a page of its own. */
  const embedded = (link: string) => `${link}${link.includes('?') ? '&' : '?'}embed=true&embed_origin=${encodeURIComponent(host.origin)}`;

  /** A host page of another origin with an opener button for the embed modal. */
  const hostPage = (linkUrl: string) => `<!doctype html><html lang="en"><head><title>Host app</title><meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body><main><h1>Host app</h1><button id="connect">Connect OnlyFans</button></main>
<script src="${t.url}/link/embed.js"></script>
<script>
  const link = window.OFAuthLinkEmbed.create({ url: ${JSON.stringify(linkUrl)} });
  document.getElementById('connect').onclick = () => link.open();
</script></body></html>`;

  it('axe-core finds no serious or critical violations on any Link page, light and dark', async () => {
    const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const stillRunning: Array<Promise<unknown>> = [];
    /** Opens a new link's page while its sign-in is held upstream for holdMs: false if the sign-in ended first. */
    const openWhileSigningIn = async (page: Page, holdMs: number): Promise<boolean> => {
      const link = await newLink();
      const secret = link.split('/link/')[1].split('?')[0];
      const fault = await call(t.sandboxUrl, 'POST', '/_sandbox/faults', { body: { kind: 'latency', count: 1, latencyMs: holdMs, pathPrefix: '/api2/v2/users/login' } });
      expect(fault.status).toBe(200);
      let hasEnded = false;
      // The held sign-in runs on while the pages after this one are checked; the test waits for it at the end.
      stillRunning.push(call(t.url, 'POST', `/v2/link/${secret}/login`, { key: orgKey, body: { email: uniqueEmail('creator'), password: 'good-password' } }).finally(() => {
        hasEnded = true;
      }));
      // The pending page refreshes itself every 2 s; axe reads it as served, without the refresh.
      await page.route((url) => url.pathname === `/link/${secret}`, async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, body: (await response.text()).replace(/<meta http-equiv="refresh"[^>]*>/, '') });
      });
      // Until the service has the sign-in under way the link shows consent; once it has ended, its outcome.
      for (;;) {
        const endedBefore = hasEnded;
        await page.goto(link);
        if ((await page.getByRole('heading', { level: 1 }).textContent()) === 'Signing you in…') return true;
        if (endedBefore) return false;
      }
    };
    const pages: Array<[string, (page: Page) => Promise<void>]> = [
      // The expired page moves the service's clock for a moment, so it comes first, before any sign-in is running.
      ['expired', async (page) => {
        const link = await newLink();
        clock.advance(31 * 60_000);
        try {
          await page.goto(link);
        } finally {
          clock.advance(-31 * 60_000);
        }
        await page.getByRole('heading', { name: 'This link has expired' }).waitFor();
      }],
      ['signing in (another tab\'s sign-in still running)', async (page) => {
        // A 3 s hold serves the page with time to spare; a machine too slow for that gets a longer one.
        for (const holdMs of [3_000, 10_000]) {
          if (await openWhileSigningIn(page, holdMs)) return;
        }
        throw new Error('each sign-in ended before its pending page was served');
      }],
      ['consent', async (page) => void (await page.goto(await newLink({ clientAppId: brandedAppId })))],
      // Login, its error, 2FA and 2FA's error are one sign-in, each page checked as the flow reaches it.
      ['login', async (page) => toLogin(page, await newLink())],
      ['login error', async (page) => {
        await page.getByLabel('Email').fill(uniqueEmail('creator-otp'));
        await page.getByLabel('Password').fill('wrong');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('alert').waitFor();
      }],
      ['2fa', async (page) => {
        await page.getByLabel('Password').fill('good-password');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByLabel('Verification code', { exact: true }).waitFor();
      }],
      ['2fa wrong code', async (page) => {
        await page.getByLabel('Verification code', { exact: true }).fill('000000');
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.getByRole('alert').waitFor();
      }],
      ['failure', async (page) => {
        await toLogin(page, await newLink());
        await page.getByLabel('Email').fill(uniqueEmail('locked'));
        await page.getByLabel('Password').fill('good-password');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Account locked' }).waitFor();
      }],
      ['not embeddable here', async (page) => void (await page.goto(`${await newLink()}?embed=true&embed_origin=http%3A%2F%2Fexample.com`))],
      ['not valid', async (page) => void (await page.goto(`${t.url}/link/cs_doesnotexist0000000000`))],
      ['connected', async (page) => {
        const { link } = await connectThroughApi();
        await page.goto(link);
        await page.getByRole('heading', { name: 'Connected' }).waitFor();
      }],
      ['already connected', async (page) => {
        const { email } = await connectThroughApi();
        await toLogin(page, await newLink());
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill('good-password');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Already connected' }).waitFor();
      }],
      ['sign in again after "Use another account"', async (page) => {
        await page.getByRole('button', { name: 'Use another account' }).click();
        await page.getByLabel('Email').waitFor();
      }],
      ['form refused (its token no longer valid)', async (page) => {
        await page.locator('input[name=csrf]').first().evaluate((input: HTMLInputElement) => (input.value = 'stale'));
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'This form could not be accepted' }).waitFor();
      }],
      ['verify by text message, a new code sent', async (page) => {
        await toLogin(page, await newLink());
        await page.getByLabel('Email').fill(uniqueEmail('creator-sms'));
        await page.getByLabel('Password').fill('good-password');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('button', { name: 'Send a new code' }).click();
        await page.getByRole('status').filter({ hasText: 'A new code is on its way.' }).waitFor();
      }],
      ['embedded: consent', async (page) => void (await page.goto(embedded(await newLink({ clientAppId: embedAppId }))))],
      ['embedded: cancelled, with Close', async (page) => {
        await page.getByRole('button', { name: 'Cancel' }).click();
        await page.getByRole('heading', { name: 'Cancelled' }).waitFor();
      }],
      ['the host page with the embed modal open', async (page) => {
        const path = `/host-${hostPageSeq++}.html`;
        host.page(path, hostPage(await newLink({ clientAppId: embedAppId })));
        await page.goto(`${host.origin}${path}`);
        await page.getByRole('button', { name: 'Connect OnlyFans' }).click();
        await page.frameLocator('iframe').getByRole('heading', { level: 1 }).waitFor();
        await page.getByRole('dialog').waitFor();
      }],
      ...(['es', 'pt', 'de', 'fr'] as const).map((locale): [string, (page: Page) => Promise<void>] => [
        `sign in, ${locale}`,
        async (page) => {
          await page.goto(`${await newLink({ locale })}&screen=login`);
          expect(await page.getAttribute('html', 'lang')).toBe(locale);
        },
      ]),
      ['already used', async (page) => {
        const link = await newLink();
        await toLogin(page, link);
        await page.getByRole('button', { name: 'Cancel' }).click();
        await page.waitForURL(`${callback}?status=cancelled**`);
        await page.goto(link);
        await page.getByRole('heading', { name: 'This link has already been used' }).waitFor();
      }],
      ['dev callback', async (page) => void (await page.goto(`${t.url}/link/dev-callback?status=success&connection_id=conn_axe&client_reference_id=ref-1`))],
    ];
    const findings: string[] = [];
    // Each page is reached once and checked in both themes: the pages follow prefers-color-scheme, so switching the
    // emulated scheme re-styles the page as it is (reaching some pages takes a sign-in, one a login held upstream,
    // which runs on while the pages after it are checked).
    const context = await browser.newContext({ colorScheme: 'light', bypassCSP: true });
    // axe is in every document the context loads, sent to the browser once rather than with each page.
    await context.addInitScript(axeSource);
    try {
      // One tab for every page, each reached from where the one before it was left.
      const page = await context.newPage();
      for (const [name, open] of pages) {
        await open(page);
        for (const theme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: theme });
          const violations = await page.evaluate(async () => {
            const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
            return result.violations
              .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
              .map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
          });
          findings.push(...violations.map((v: string) => `${theme} ${name}: ${v}`));
        }
      }
    } finally {
      await Promise.allSettled(stillRunning);
      await context.close();
    }
    expect(findings).toEqual([]);
  }, 600_000); // two dozen page loads, each with the flow before it, on a loaded machine
});
