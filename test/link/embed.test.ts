// The Link embed as a modal, in Chromium, on a host page of another loopback origin (localhost vs the service's
// 127.0.0.1): Escape inside the frame, the close button, the backdrop, the focus trap, the page behind not scrolling,
// full screen on a phone, the <ofauth-link> element, and onEvent hearing every step of a full Link in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.ts';
import { releaseAll } from '../support/cleanup.ts';
import { BROWSER_BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startLoopbackSite, type LoopbackSite } from './loopback-site.ts';

let emailSeq = 0;
const uniqueEmail = (scenario: string) => `embed${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;
const WAIT = { timeout: 30_000 };

type HostWindow = Window & {
  events: Array<[string, unknown?]>;
  messages: Array<{ event: string; metadata?: unknown }>;
  link: { open(): void; close(o?: { force?: boolean }): void };
};

describe.each(BROWSER_BACKENDS)('link: the embed modal in Chromium (%s)', (backend) => {
  let t: TestService;
  let browser: Browser;
  let context: BrowserContext;
  let host: LoopbackSite;
  let embedAppId: string;
  let pageSeq = 0;

  beforeAll(async () => {
    [t, browser, host] = await Promise.all([startTestService(backend), launchBrowser(), startLoopbackSite('localhost')]);
    const app = await call(t.url, 'POST', '/v2/client-apps', {
      key: t.adminKey,
      body: { name: 'Acme Modal', integrationType: 'embed', embedOrigins: [host.origin] },
    });
    expect(app.status).toBe(201);
    embedAppId = app.body.id;
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  }, 120_000);
  afterAll(() =>
    releaseAll(
      () => context?.close(),
      () => browser?.close(),
      () => host?.close(),
      () => t?.close(),
    ),
  );

  async function newEmbedLink(): Promise<string> {
    const res = await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { clientAppId: embedAppId } });
    expect(res.status).toBe(200);
    return res.body.url;
  }

  /** A tall host page (so scrolling shows) with an opener button, recording callbacks and raw Link messages. */
  function hostPage(linkUrl: string, options: Record<string, unknown> = {}): string {
    return `<!doctype html><html><head><title>Host app</title><meta name="viewport" content="width=device-width,initial-scale=1"></head><body style="margin:0">
<div style="height:3000px"><p style="margin-top:1200px"><button id="connect">Connect OnlyFans</button> <a href="#x" id="other">Other link</a></p></div>
<script src="${t.url}/link/embed.js"></script>
<script>
  window.events = [];
  window.messages = [];
  window.addEventListener('message', (e) => { if (e.data && e.data.type === 'OFAUTH_LINK') messages.push(e.data); });
  window.link = window.OFAuthLinkEmbed.create(Object.assign({
    url: ${JSON.stringify(linkUrl)},
    onLoad: () => events.push(['loaded']),
    onSuccess: (m) => events.push(['success', m]),
    onClose: (m) => events.push(['close', m]),
    onEvent: (name, m) => events.push(['event:' + name, m]),
  }, ${JSON.stringify(options)}));
  document.getElementById('connect').onclick = () => link.open();
</script></body></html>`;
  }

  async function openHost(linkUrl: string, options: Record<string, unknown> = {}, onContext = context): Promise<Page> {
    const path = `/host-${pageSeq++}.html`;
    host.page(path, hostPage(linkUrl, options));
    const page = await onContext.newPage();
    await page.goto(`${host.origin}${path}`);
    return page;
  }

  async function openModal(page: Page): Promise<void> {
    await page.locator('#connect').scrollIntoViewIfNeeded();
    await page.locator('#connect').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as unknown as HostWindow).events.some((e) => e[0] === 'loaded'), null, WAIT);
    await page.frameLocator('iframe').getByRole('heading', { level: 1 }).waitFor(WAIT);
  }

  const events = (page: Page) => page.evaluate(() => (window as unknown as HostWindow).events);
  const hasClosed = (page: Page) => page.waitForFunction(() => (window as unknown as HostWindow).events.some((e) => e[0] === 'close'), null, WAIT);
  const overlayCount = (page: Page) => page.locator('[data-ofconnect-link-overlay]').count();
  const linkStatus = async (url: string) => (await call(t.url, 'GET', `/v2/link/${url.split('/link/')[1]}`, { key: t.adminKey })).body;

  it('Escape pressed inside the iframe reaches the host as exit_requested, and the modal closes with the session cancelled', async () => {
    const url = await newEmbedLink();
    const page = await openHost(url);
    await openModal(page);
    const frame = page.frameLocator('iframe');
    await frame.getByRole('link', { name: 'Continue' }).click();
    await frame.getByLabel('Email').click();
    await page.keyboard.press('Escape');
    await hasClosed(page);
    const messages = await page.evaluate(() => (window as unknown as HostWindow).messages.map((m) => m.event));
    expect(messages).toContain('exit_requested');
    const close = (await events(page)).find((e) => e[0] === 'close')?.[1];
    expect(close).toEqual({ type: 'user_exit', step: 'login', error: null });
    expect(await overlayCount(page)).toBe(0);
    expect(await linkStatus(url)).toEqual({ status: 'not_found' });
    await page.close();
  }, 120_000);

  it('the close button has an accessible name and closes the modal', async () => {
    const page = await openHost(await newEmbedLink());
    await openModal(page);
    const button = page.getByRole('button', { name: 'Close' });
    expect(await button.isVisible()).toBe(true);
    await button.click();
    await hasClosed(page);
    expect((await events(page)).find((e) => e[0] === 'close')?.[1]).toMatchObject({ type: 'user_exit', step: 'pre-login' });
    expect(await overlayCount(page)).toBe(0);
    await page.close();
  }, 120_000);

  it('a click on the backdrop closes the modal, unless closeOnBackdropClick is false', async () => {
    const page = await openHost(await newEmbedLink());
    await openModal(page);
    await page.mouse.click(20, 20);
    await hasClosed(page);
    expect(await overlayCount(page)).toBe(0);
    await page.close();

    const kept = await openHost(await newEmbedLink(), { closeOnBackdropClick: false });
    await openModal(kept);
    await kept.mouse.click(20, 20);
    // A click inside the dialog's frame is handled by the Link page, not the backdrop: the modal is still open after both.
    await kept.frameLocator('iframe').getByRole('heading', { level: 1 }).click();
    expect(await overlayCount(kept)).toBe(1);
    expect((await events(kept)).some((e) => e[0] === 'close')).toBe(false);
    await kept.getByRole('button', { name: 'Close' }).click();
    await hasClosed(kept);
    await kept.close();
  }, 120_000);

  it('focus stays inside the modal while it is open and goes back to the opener when it closes', async () => {
    const page = await openHost(await newEmbedLink());
    await openModal(page);
    const isInside = () => page.evaluate(() => !!document.querySelector('[data-ofconnect-link-overlay]')?.contains(document.activeElement));
    expect(await isInside()).toBe(true);
    const seen = new Set<string>();
    // Focus crossing into or out of the Link page's frame (another origin, another renderer process) moves in steps:
    // for a moment the host's activeElement may be its body. What counts is where focus settles.
    const settlesInside = () => expect.poll(isInside, { timeout: 2_000 }).toBe(true);
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      await settlesInside();
      seen.add(await page.evaluate(() => document.activeElement?.tagName ?? ''));
    }
    // Both the Link page (its fields, inside the iframe) and the close button were reached: the cycle wraps round.
    expect([...seen].sort()).toEqual(['BUTTON', 'IFRAME']);
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Shift+Tab');
      await settlesInside();
    }
    // The page behind cannot be focused by a click either (it is inert while the modal is open).
    expect(await page.evaluate(() => document.getElementById('other')?.closest('[inert]') !== null)).toBe(true);
    await page.getByRole('button', { name: 'Close' }).click();
    await hasClosed(page);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('connect');
    expect(await page.evaluate(() => document.querySelectorAll('[inert]').length)).toBe(0);
    await page.close();
  }, 120_000);

  it('opening does not scroll the page and the page behind cannot scroll while open; closing restores it', async () => {
    const page = await openHost(await newEmbedLink());
    await page.evaluate(() => window.scrollTo(0, 900));
    const before = await page.evaluate(() => window.scrollY);
    expect(before).toBe(900);
    await page.evaluate(() => (window as unknown as HostWindow).link.open());
    await page.waitForFunction(() => (window as unknown as HostWindow).events.some((e) => e[0] === 'loaded'), null, WAIT);
    expect(await page.evaluate(() => window.scrollY)).toBe(before);
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).overflow)).toBe('hidden');
    await page.mouse.move(20, 20);
    await page.mouse.wheel(0, 600);
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect(await page.evaluate(() => window.scrollY)).toBe(before);
    await page.getByRole('button', { name: 'Close' }).click();
    await hasClosed(page);
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).overflow)).toBe('visible');
    expect(await page.evaluate(() => window.scrollY)).toBe(before);
    await page.close();
  }, 120_000);

  it('on a 390×844 phone the modal fills the screen; on a desktop it is a 400×600 box', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      const page = await openHost(await newEmbedLink(), {}, phone);
      await page.evaluate(() => (window as unknown as HostWindow).link.open());
      await page.frameLocator('iframe').getByRole('heading', { level: 1 }).waitFor(WAIT);
      const box = await page.getByRole('dialog').boundingBox();
      expect(box).toEqual({ x: 0, y: 0, width: 390, height: 844 });
      expect(await page.locator('iframe').boundingBox()).toEqual({ x: 0, y: 0, width: 390, height: 844 });
      expect(await page.getByRole('button', { name: 'Close' }).isVisible()).toBe(true);
    } finally {
      await phone.close();
    }
    const page = await openHost(await newEmbedLink());
    await openModal(page);
    const box = await page.getByRole('dialog').boundingBox();
    expect(box).toMatchObject({ width: 400, height: 600, x: (1280 - 400) / 2, y: (800 - 600) / 2 });
    await page.close();
  }, 120_000);

  it('the <ofauth-link> element opens the modal from its button and reports the steps and success as DOM events', async () => {
    const path = `/element-${pageSeq++}.html`;
    host.page(path, `<!doctype html><html><head><title>Element host</title></head><body>
<ofauth-link id="el" url="${await newEmbedLink()}" theme="dark">Connect OnlyFans</ofauth-link>
<ofauth-link id="plain" url="${await newEmbedLink()}"></ofauth-link>
<script src="${t.url}/link/embed.js"></script>
<script>
  window.events = [];
  for (const name of ['loaded', 'success', 'close', 'exit', 'event']) {
    document.addEventListener(name, (e) => events.push([name === 'event' ? 'event:' + e.detail.name : name, e.detail ?? null]));
  }
</script></body></html>`);
    const page = await context.newPage();
    await page.goto(`${host.origin}${path}`);
    // Without content the button says "Connect Account"; closing gives focus back to it, inside the shadow root.
    await page.getByRole('button', { name: 'Connect Account' }).click();
    await page.waitForFunction(() => (window as unknown as HostWindow).events.some((e) => e[0] === 'loaded'), null, WAIT);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.waitForFunction(() => (window as unknown as HostWindow).events.some((e) => e[0] === 'exit'), null, WAIT);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('plain');
    expect(await page.locator('#plain').evaluate((el) => el.shadowRoot?.activeElement?.getAttribute('part'))).toBe('button');
    expect((await events(page)).map((e) => e[0])).toEqual(['loaded', 'event:opened', 'event:exit', 'close', 'exit']);
    await page.evaluate(() => ((window as unknown as HostWindow).events.length = 0));
    await page.getByRole('button', { name: 'Connect OnlyFans' }).click();
    const frame = page.frameLocator('iframe');
    await frame.getByRole('link', { name: 'Continue' }).click();
    await frame.getByLabel('Email').fill(uniqueEmail('creator'));
    await frame.getByLabel('Password').fill('good-password');
    await frame.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => (window as unknown as HostWindow).events.some((e) => e[0] === 'success'), null, WAIT);
    const seen = await events(page);
    expect(seen.map((e) => e[0])).toEqual(['loaded', 'event:opened', 'event:consent_accepted', 'event:credentials_submitted', 'event:success', 'success']);
    const success = seen.find((e) => e[0] === 'success')?.[1] as { connection: { id: string } };
    expect(success.connection.id).toMatch(/^conn_/);
    expect(await overlayCount(page)).toBe(0);
    await page.close();
  }, 120_000);

  it('the <ofauth-link> element takes its label, theme and close-on-backdrop="false" from attributes: the Link page is dark and a backdrop click leaves it open', async () => {
    const path = `/element-${pageSeq++}.html`;
    host.page(path, `<!doctype html><html><head><title>Element host</title></head><body>
<ofauth-link url="${await newEmbedLink()}" theme="dark" label="Link OnlyFans" close-on-backdrop="false"></ofauth-link>
<script src="${t.url}/link/embed.js"></script>
<script>
  window.events = [];
  for (const name of ['loaded', 'close']) document.addEventListener(name, () => events.push([name]));
</script></body></html>`);
    const page = await context.newPage();
    await page.goto(`${host.origin}${path}`);
    await page.getByRole('button', { name: 'Link OnlyFans' }).click();
    await page.waitForFunction(() => (window as unknown as HostWindow).events.some((e) => e[0] === 'loaded'), null, WAIT);
    const frame = page.frameLocator('iframe');
    expect(await frame.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.mouse.click(20, 20);
    // A click inside the dialog's frame is handled by the Link page, not the backdrop: the modal is still open after both.
    await frame.getByRole('heading', { level: 1 }).click();
    expect(await overlayCount(page)).toBe(1);
    expect((await events(page)).some((e) => e[0] === 'close')).toBe(false);
    await page.getByRole('button', { name: 'Close' }).click();
    await hasClosed(page);
    await page.close();
  }, 120_000);

  it('a wrong password, answered in place without a redirect, reaches the host as credentials_submitted and error at once', async () => {
    const page = await openHost(await newEmbedLink());
    await openModal(page);
    const frame = page.frameLocator('iframe');
    await frame.getByRole('link', { name: 'Continue' }).click();
    await frame.getByLabel('Email').fill(uniqueEmail('creator'));
    await frame.getByLabel('Password').fill('wrong-password');
    await frame.getByRole('button', { name: 'Sign in' }).click();
    await frame.getByRole('alert').waitFor(WAIT);
    await page.waitForFunction(() => (window as unknown as HostWindow).events.some((e) => e[0] === 'event:error'), null, WAIT);
    const steps = (await events(page)).filter((e) => e[0].startsWith('event:'));
    expect(steps.map((e) => e[0].slice('event:'.length))).toEqual(['opened', 'consent_accepted', 'credentials_submitted', 'error']);
    expect(steps[3][1]).toMatchObject({ name: 'error', step: 'login', errorCode: 'invalid_credentials' });
    await page.close();
  }, 120_000);

  it('onEvent hears every step of a full Link in order: consent, sign-in, a wrong and a right 2FA code, success', async () => {
    const page = await openHost(await newEmbedLink());
    await openModal(page);
    const frame = page.frameLocator('iframe');
    await frame.getByRole('link', { name: 'Continue' }).click();
    await frame.getByLabel('Email').fill(uniqueEmail('creator-otp'));
    await frame.getByLabel('Password').fill('good-password');
    await frame.getByRole('button', { name: 'Sign in' }).click();
    await frame.getByLabel('Verification code', { exact: true }).fill('654321');
    await frame.getByRole('button', { name: 'Verify' }).click();
    await frame.getByRole('alert').waitFor(WAIT);
    await frame.getByLabel('Verification code', { exact: true }).fill('123456');
    await frame.getByRole('button', { name: 'Verify' }).click();
    await page.waitForFunction(() => (window as unknown as HostWindow).events.some((e) => e[0] === 'success'), null, WAIT);
    const steps = (await events(page)).filter((e) => e[0].startsWith('event:'));
    expect(steps.map((e) => e[0].slice('event:'.length))).toEqual([
      'opened',
      'consent_accepted',
      'credentials_submitted',
      '2fa_requested',
      '2fa_submitted',
      'error',
      '2fa_submitted',
      'success',
    ]);
    expect(steps[5][1]).toMatchObject({ name: 'error', step: '2fa', errorCode: '2fa_failed' });
    for (const [, metadata] of steps.slice(0, 7)) expect(Date.parse((metadata as { at: string }).at)).not.toBeNaN();
    // Nothing the user typed travels to the host.
    // (sandbox_info lists the simulator's published test passwords and codes, so it is left out.)
    const raw = JSON.stringify((await page.evaluate(() => (window as unknown as HostWindow).messages)).filter((m) => m.event !== 'sandbox_info'));
    for (const secret of ['good-password', '654321', '123456']) expect(raw).not.toContain(secret);
    await page.close();
  }, 120_000);
});
