import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ManualClock } from '../../src/platform/clock.ts';
import { launchBrowser } from '../support/browser.ts';
import { releaseAll } from '../support/cleanup.ts';
import { BROWSER_BACKENDS } from '../support/databases.ts';
import { eventTypes } from '../support/events.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startLoopbackSite, type LoopbackSite } from './loopback-site.ts';

// Chromium flows run on one database: what they add is the browser's side (forms, focus, frames, CSP); the API tests
// cover both databases. PGlite unless the run asked for PostgreSQL only. Screenshots of every page: `npm run screenshots`.

let emailSeq = 0;
const uniqueEmail = (scenario: string) => `page${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;

describe.each(BROWSER_BACKENDS)('link: hosted and embedded pages in Chromium (%s)', (backend) => {
  let t: TestService;
  let browser: Browser;
  let context: BrowserContext;
  let site: LoopbackSite;
  let embedSite: LoopbackSite;
  let appId: string;
  let embedAppId: string;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    [t, browser, site, embedSite] = await Promise.all([
      startTestService(backend, { clock }),
      launchBrowser(),
      startLoopbackSite('127.0.0.1'),
      startLoopbackSite('localhost'),
    ]);
    const app = await call(t.url, 'POST', '/v2/client-apps', {
      key: t.adminKey,
      body: {
        name: 'Acme Inbox',
        integrationType: 'redirect',
        redirectUris: [`${site.origin}/callback`],
        permissions: ['profile:read', 'messages:read', 'messages:write', 'earnings:read'],
        profile: { description: 'The CRM for creator teams.' },
      },
    });
    expect(app.status).toBe(201);
    appId = app.body.id;
    const embedApp = await call(t.url, 'POST', '/v2/client-apps', {
      key: t.adminKey,
      body: { name: 'Acme Embedded', integrationType: 'embed', embedOrigins: [embedSite.origin] },
    });
    expect(embedApp.status).toBe(201);
    embedAppId = embedApp.body.id;
    context = await browser.newContext();
  }, 120_000); // a service and a Chromium at once: past the 60 s hook default when the machine is loaded
  afterAll(() =>
    releaseAll(
      () => context?.close(),
      () => browser?.close(),
      () => site?.close(),
      () => embedSite?.close(),
      () => t?.close(),
    ),
  );

  async function newLink(body: Record<string, unknown> = {}): Promise<string> {
    const res = await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { clientAppId: appId, ...body } });
    expect(res.status).toBe(200);
    return res.body.url;
  }

  async function callbackQuery(page: Page): Promise<Record<string, string>> {
    await page.waitForURL(`${site.origin}/callback**`);
    return Object.fromEntries(new URL(page.url()).searchParams);
  }

  async function signIn(page: Page, email: string, password = 'good-password') {
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const outboxTypes = (connectionId: string) => eventTypes(t.url, t.adminKey, { connectionId });

  it('a creator without 2FA goes consent → credentials → the redirect URL with status=success, connection_id and client_reference_id', async () => {
    const page = await context.newPage();
    await page.goto(await newLink({ clientReferenceId: 'crm-42' }));
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Connect your OnlyFans account');
    const body = await page.textContent('main');
    expect(body).toContain('Acme Inbox');
    expect(body).toContain('See your messages and chats');
    expect(body).toContain('Change your messages and chats');
    expect(body).toContain('you@creator.sandbox.com');
    expect(body).toContain('creator-otp');
    await signIn(page, uniqueEmail('creator'));
    const query = await callbackQuery(page);
    expect(query).toMatchObject({ status: 'success', client_reference_id: 'crm-42' });
    expect(query.connection_id).toMatch(/^conn_/);
    const connection = await call(t.url, 'GET', `/v2/account/connections/${query.connection_id}`, { key: t.adminKey });
    expect(connection.body).toMatchObject({ status: 'active', imported: false, clientReferenceId: 'crm-42' });
    expect(await outboxTypes(query.connection_id)).toEqual(['connection.created']);
    await page.close();
  });

  it('a creator with 2FA gets the code page; a wrong code shows the error and attempts left, the right one finishes', async () => {
    const page = await context.newPage();
    await page.goto(await newLink());
    await signIn(page, uniqueEmail('creator-otp'));
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Enter your verification code');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('code');
    await page.getByLabel('Verification code', { exact: true }).fill('654321');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('That verification code is not right');
    expect(await page.textContent('#attempts')).toContain('4 attempts left');
    // An authenticator app makes its own codes: nothing can be resent and nothing claims a code was sent.
    expect(await page.getByRole('button', { name: 'Send a new code' }).count()).toBe(0);
    expect(await page.textContent('main')).toContain('Open your authenticator app');
    expect(await page.textContent('#code-help')).not.toMatch(/sent|on its way/i);
    expect(await page.locator('.notice').count()).toBe(0);
    await page.getByLabel('Verification code', { exact: true }).fill('123456');
    await page.getByRole('button', { name: 'Verify' }).click();
    const query = await callbackQuery(page);
    expect(query.status).toBe('success');
    await page.close();
  });

  it('a wrong password shows the error with attempts left and keeps the email typed, focus on the password; the right password then succeeds', async () => {
    const page = await context.newPage();
    await page.goto(await newLink());
    const email = uniqueEmail('creator');
    await signIn(page, email, 'not-the-password');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong email or password. 4 attempts left.');
    expect(await page.getByLabel('Email').inputValue()).toBe(email);
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    await page.getByLabel('Password').fill('good-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect((await callbackQuery(page)).status).toBe('success');
    await page.close();
  });

  it('an error page shows the end user plain words, never the developer message: too many sign-ins for one account', async () => {
    const page = await context.newPage();
    const email = uniqueEmail('creator');
    // Five wrong passwords spend the account's attempts (and deny this Link session)…
    await page.goto(await newLink());
    await signIn(page, email, 'not-the-password');
    for (let i = 0; i < 4; i++) {
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForLoadState();
    }
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Too many attempts');
    // …so the same account in a new Link session is refused before OnlyFans is asked.
    await page.goto(await newLink());
    await signIn(page, email);
    const alert = await page.getByRole('alert').textContent();
    expect(alert).toContain('Too many sign-in attempts for this account. Wait a few minutes before trying again.');
    expect(alert).not.toMatch(/try again in \d+ s/);
    await page.close();
  });

  it('cancelling on the consent, credentials and 2FA pages returns status=cancelled with the step', async () => {
    const page = await context.newPage();
    await page.goto(await newLink({ clientReferenceId: 'c1' }));
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await callbackQuery(page)).toEqual({ status: 'cancelled', step: 'pre-login', client_reference_id: 'c1' });

    await page.goto(await newLink());
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await callbackQuery(page)).toEqual({ status: 'cancelled', step: 'login' });

    const link = await newLink();
    await page.goto(link);
    await signIn(page, uniqueEmail('fan-otp'));
    await page.getByLabel('Verification code', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await callbackQuery(page)).toEqual({ status: 'cancelled', step: '2fa' });

    // The used link now says so instead of starting over.
    await page.goto(link);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('This link has already been used');
    await page.close();
  });

  it('a locked account ends on a failure page whose button returns status=error&error_code=account_locked', async () => {
    const page = await context.newPage();
    await page.goto(await newLink({ clientReferenceId: 'locked-1' }));
    await signIn(page, uniqueEmail('locked'));
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Account locked');
    await page.getByRole('link', { name: 'Return to Acme Inbox' }).click();
    expect(await callbackQuery(page)).toEqual({ status: 'error', error_code: 'account_locked', client_reference_id: 'locked-1' });
    await page.close();
  });

  it('an expired Link session shows the expired page and returns status=error&error_code=session_expired', async () => {
    const page = await context.newPage();
    const link = await newLink();
    clock.advance(31 * 60_000);
    await page.goto(link);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('This link has expired');
    await page.getByRole('link', { name: /Return to/ }).click();
    expect(await callbackQuery(page)).toEqual({ status: 'error', error_code: 'session_expired' });
    const secret = link.split('/link/')[1];
    expect((await call(t.url, 'GET', `/v2/link/${secret}`, { key: t.adminKey })).body).toEqual({ status: 'not_found' });
    await page.close();
  });

  it('reconnecting an expired connection keeps its id, makes it active and records connection.updated; another account is refused', async () => {
    const page = await context.newPage();
    const email = uniqueEmail('creator');
    await page.goto(await newLink());
    await signIn(page, email);
    const connectionId = (await callbackQuery(page)).connection_id;
    expect((await call(t.url, 'POST', `/v2/account/connections/${connectionId}/invalidate`, { key: t.adminKey })).status).toBe(200);
    expect((await call(t.url, 'GET', `/v2/account/connections/${connectionId}`, { key: t.adminKey })).body.status).toBe('expired');

    await page.goto(await newLink({ connectionId }));
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Reconnect your OnlyFans account');
    await signIn(page, uniqueEmail('creator'));
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('A different account');
    expect((await call(t.url, 'GET', `/v2/account/connections/${connectionId}`, { key: t.adminKey })).body.status).toBe('expired');

    await page.goto(await newLink({ connectionId, clientReferenceId: 'again' }));
    await signIn(page, email);
    const query = await callbackQuery(page);
    expect(query).toMatchObject({ status: 'success', connection_id: connectionId, client_reference_id: 'again' });
    const connection = await call(t.url, 'GET', `/v2/account/connections/${connectionId}`, { key: t.adminKey });
    expect(connection.body).toMatchObject({ id: connectionId, status: 'active', expiredAt: null, clientReferenceId: 'again' });
    expect(await outboxTypes(connectionId)).toEqual(['connection.created', 'connection.expired', 'connection.updated']);
    await page.close();
  });

  function embedPage(linkUrl: string): string {
    return `<!doctype html><html><head><title>Embedding app</title></head><body>
<button id="connect">Connect OnlyFans</button>
<script src="${t.url}/link/embed.js"></script>
<script>
  window.events = [];
  const link = window.OFAuth.LinkEmbed.create({
    url: ${JSON.stringify(linkUrl)},
    theme: 'dark',
    onLoad: () => events.push(['loaded']),
    onSuccess: (m) => events.push(['success', m]),
    onClose: (m) => events.push(['close', m]),
    onInvalidSession: () => events.push(['invalid_session']),
    onSandboxInfo: (m) => events.push(['sandbox_info', m]),
  });
  document.getElementById('connect').onclick = () => link.open();
  window.closeLink = (force) => link.close({ force });
</script></body></html>`;
  }

  async function newEmbedLink(): Promise<string> {
    const res = await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { clientAppId: embedAppId } });
    return res.body.url;
  }

  it('embedded in an allowed origin through /link/embed.js, the flow posts loaded, sandbox_info and success to the parent', async () => {
    embedSite.page('/embed-ok.html', embedPage(await newEmbedLink()));
    const page = await context.newPage();
    await page.goto(`${embedSite.origin}/embed-ok.html`);
    await page.click('#connect');
    const frame = page.frameLocator('iframe');
    await frame.getByRole('link', { name: 'Continue' }).click();
    await frame.getByLabel('Email').fill(uniqueEmail('creator'));
    await frame.getByLabel('Password').fill('good-password');
    await frame.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => (window as any).events.some((e: any[]) => e[0] === 'success'));
    const events = await page.evaluate(() => (window as any).events);
    expect(events[0]).toEqual(['loaded']);
    const info = events.find((e: any[]) => e[0] === 'sandbox_info')[1];
    expect(info.scenarios.map((s: any) => s.id)).toEqual(['creator', 'creator-otp', 'fan', 'fan-otp']);
    expect(info.scenarios[1]).toMatchObject({ accountType: 'creator', loginType: 'app_otp', password: 'good-password', otpCode: '123456' });
    const success = events.find((e: any[]) => e[0] === 'success')[1];
    expect(success.connection.id).toMatch(/^conn_/);
    expect(success.connection.userData.username).not.toBe('');
    expect(success.redirect).toBe(false);
    // The overlay is gone once the flow succeeded.
    expect(await page.locator('iframe').count()).toBe(0);
    await page.close();
  });

  it('close() from the parent asks the Link page to exit: the session is cancelled and onClose hears user_exit', async () => {
    const link = await newEmbedLink();
    embedSite.page('/embed-close.html', embedPage(link));
    const page = await context.newPage();
    await page.goto(`${embedSite.origin}/embed-close.html`);
    await page.click('#connect');
    await page.waitForFunction(() => (window as any).events.some((e: any[]) => e[0] === 'loaded'));
    await page.evaluate(() => (window as any).closeLink(false));
    await page.waitForFunction(() => (window as any).events.some((e: any[]) => e[0] === 'close'));
    const close = (await page.evaluate(() => (window as any).events)).find((e: any[]) => e[0] === 'close')[1];
    expect(close).toEqual({ type: 'user_exit', step: 'pre-login', error: null });
    const secret = link.split('/link/')[1];
    expect((await call(t.url, 'GET', `/v2/link/${secret}`, { key: t.adminKey })).body).toEqual({ status: 'not_found' });
    await page.close();
  });

  it('a page on an origin the app does not allow cannot frame the Link page: the browser blocks it by CSP frame-ancestors', async () => {
    site.page('/embed-evil.html', embedPage(await newEmbedLink()));
    const page = await context.newPage();
    const blocked = page.waitForEvent('console', (msg) => /frame-ancestors/.test(msg.text()));
    await page.goto(`${site.origin}/embed-evil.html`);
    await page.click('#connect');
    const message = await blocked;
    expect(message.text()).toMatch(/violates the following Content Security Policy directive: "frame-ancestors 'self' http:\/\/localhost:\d+"/);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(await frame?.evaluate(() => document.querySelector('h1')?.textContent ?? null).catch(() => null)).not.toBe('Connect your OnlyFans account');
    expect(await page.evaluate(() => (window as any).events)).toEqual([]);
    await page.close();
  });

  it('theme= overrides the browser\'s colour-scheme preference (the embed passes it)', async () => {
    const forced = await browser.newContext({ colorScheme: 'light' });
    try {
      const page = await forced.newPage();
      await page.goto(`${await newLink()}?theme=dark`);
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(15, 17, 21)');
    } finally {
      await forced.close();
    }
  });
});
