// The dashboard in Chromium against a seeded service: sign-in (and its refusals), every page walked with axe-core and
// a phone-width check, a failed delivery replayed until it succeeds, a key created and revoked, a connection found by
// its client reference, the cookie's flags, CSRF in the browser, the first load's size, and org isolation: every API
// reply a page of org A read is checked for org B's identifiers.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../src/platform/package-root.ts';
import { launchBrowser } from '../support/browser.ts';
import { releaseAll } from '../support/cleanup.ts';
import { BROWSER_BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startReceiver, type Receiver } from '../webhooks/receiver.ts';
import { dashboardStops, seedOrg, type SeededOrg } from './seed.ts';

const AXE_SOURCE = readFileSync(packagePath('node_modules/axe-core/axe.min.js'), 'utf8');
const FIRST_LOAD_BUDGET_BYTES = 250 * 1024;
const PHONE = { width: 390, height: 800 };

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** Serious and critical accessibility violations of the page as it is now, in both colour schemes. */
async function seriousViolations(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    // Evaluated through the debugging protocol, which the page's CSP does not govern (an injected <script> would be blocked).
    if (!(await page.evaluate('typeof window.axe'))?.toString().includes('object')) await page.evaluate(AXE_SOURCE);
    const violations = (await page.evaluate('window.axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)')) as AxeViolation[];
    for (const v of violations) {
      if (v.impact === 'serious' || v.impact === 'critical') found.push(`${colorScheme}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

/** Waits until the page has its heading and nothing is loading. */
async function settled(page: Page, heading: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => document.querySelector('.state') === null, undefined, { timeout: 15_000 });
}

describe.each(BROWSER_BACKENDS)('dashboard in Chromium (%s)', (backend) => {
  let t: TestService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let receiverA: Receiver;
  let receiverB: Receiver;
  let a: SeededOrg;
  let b: SeededOrg;
  let orgB: { orgId: string; keyId: string };
  let adminKeyId: string;
  /** The API replies the pages read during the walk (for the isolation check). */
  const replies: Array<{ url: string; body: string }> = [];
  const foreignRequests: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    [t, browser, receiverA, receiverB] = await Promise.all([startTestService(backend), launchBrowser(), startReceiver(), startReceiver()]);
    a = await seedOrg(t, t.adminKey, receiverA, 'alpha');
    const orgBId = await createOrg(t.database.handle, 'Org B');
    const keyB = await createKey(t.database.handle, orgBId, 'sandbox');
    orgB = { orgId: orgBId, keyId: keyB.id };
    b = await seedOrg(t, keyB.secret, receiverB, 'bravo');
    adminKeyId = (await call(t.url, 'GET', '/v2/api-keys', { key: t.adminKey })).body.list[0].id;
    context = await browser.newContext();
    page = await context.newPage();
    page.on('request', (request) => {
      if (!request.url().startsWith(t.url)) foreignRequests.push(request.url());
    });
    page.on('console', (message) => {
      if (/content security policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('response', async (response: Response) => {
      const url = new URL(response.url());
      if (!url.pathname.startsWith('/v2/') && !url.pathname.startsWith('/dashboard/session') && !url.pathname.startsWith('/_sandbox/')) return;
      try {
        replies.push({ url: url.pathname + url.search, body: await response.text() });
      } catch {
        // A reply the page navigated away from has no body to read.
      }
    });
  }, 180_000); // a service, Chromium and two seeded orgs (webhook attempts included) on a loaded machine
  afterAll(() =>
    releaseAll(
      () => context?.close(),
      () => browser?.close(),
      () => receiverA?.close(),
      () => receiverB?.close(),
      () => t?.close(),
    ),
  );

  // Each test sets up the session state it needs, so the tests pass in any order (vitest --sequence.shuffle).
  async function ensureSignedIn(): Promise<void> {
    if ((await context.cookies()).some((cookie) => cookie.name === 'ofconnect_dashboard')) return;
    // The context's request client shares the browser's cookie jar: this is the sign-in the page makes.
    const reply = await context.request.post(`${t.url}/dashboard/session`, { headers: { apikey: t.adminKey }, data: {} });
    expect(reply.status()).toBe(201);
  }
  async function ensureSignedOut(): Promise<void> {
    await context.clearCookies();
  }

  /** A message of org A whose delivery has failed now: a seeded one, or (when an earlier test replayed them all) a new failure. */
  async function failedMessageNow(): Promise<string> {
    const failed = (await call(t.url, 'GET', '/v2/webhooks/messages?status=failed&limit=250', { key: t.adminKey })).body.list as Array<{ id: string }>;
    const seeded = a.failedMessageIds.find((id) => failed.some((m) => m.id === id));
    if (seeded) return seeded;
    const messageId = a.failedMessageIds[0];
    const before = receiverA.received.filter((d) => d.webhookId === messageId).length;
    receiverA.answer = () => ({ status: 500, body: 'receiver refuses (alpha)' });
    expect((await call(t.url, 'POST', `/v2/webhooks/messages/${messageId}/replay`, { key: t.adminKey, body: {} })).status).toBe(202);
    await receiverA.waitFor((received) => received.filter((d) => d.webhookId === messageId).length > before, WORKER_PROGRESS_TIMEOUT_MS);
    // Disabling the endpoint ends the pending retry as failed; enabled again, with the receiver accepting.
    expect((await call(t.url, 'PATCH', `/v2/webhooks/endpoints/${a.endpointId}`, { key: t.adminKey, body: { enabled: false } })).status).toBe(200);
    receiverA.answer = () => 200;
    expect((await call(t.url, 'PATCH', `/v2/webhooks/endpoints/${a.endpointId}`, { key: t.adminKey, body: { enabled: true } })).status).toBe(200);
    return messageId;
  }

  it('the sign-in page loads under 250 KB compressed, from this origin only', async () => {
    const fresh = await browser.newContext();
    try {
      const signInPage = await fresh.newPage();
      const loaded: Array<{ url: string; gzipped: number }> = [];
      signInPage.on('response', async (response) => {
        const body = await response.body().catch(() => Buffer.alloc(0));
        loaded.push({ url: response.url(), gzipped: gzipSync(body, { level: 9 }).length });
      });
      await signInPage.goto(`${t.url}/`);
      await signInPage.getByRole('heading', { level: 1, name: /sign in/i }).waitFor();
      await signInPage.waitForLoadState('networkidle');
      const total = loaded.reduce((sum, file) => sum + file.gzipped, 0);
      console.info(`dashboard first load: ${loaded.length} responses, ${(total / 1024).toFixed(1)} KB gzip (${loaded.map((f) => `${new URL(f.url).pathname} ${f.gzipped}`).join(', ')})`);
      expect(loaded.map((f) => new URL(f.url).origin)).toEqual(loaded.map(() => t.url));
      expect(loaded.some((f) => f.url.endsWith('.js'))).toBe(true);
      expect(total).toBeLessThan(FIRST_LOAD_BUDGET_BYTES);
    } finally {
      await fresh.close();
    }
  });

  it('sign-in refuses a key without the admin scope and a wrong key, saying why', async () => {
    const orgId = await createOrg(t.database.handle, 'Not admin org');
    const notAdmin = await createKey(t.database.handle, orgId, 'sandbox', ['account', 'access']);
    await ensureSignedOut();
    await page.goto(`${t.url}/dashboard`);
    for (const [key, expected] of [
      [notAdmin.secret, /no admin scope/i],
      [`sk_sandbox_${'q'.repeat(40)}`, /refused/i],
    ] as const) {
      await page.getByLabel('Admin API key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toMatch(expected);
    }
    expect(await context.cookies()).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('signs in with an admin key: an httpOnly, SameSite=Strict cookie of 12 hours, and the overview of this org and environment', async () => {
    await ensureSignedOut();
    await page.goto(`${t.url}/dashboard`);
    await page.getByLabel('Admin API key').fill(t.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await settled(page, 'Overview');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'ofconnect_dashboard', httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });
    const hoursLeft = (cookie.expires * 1000 - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(11.9);
    expect(hoursLeft).toBeLessThanOrEqual(12);
    expect(cookie.value).not.toContain(t.adminKey.slice(-16));
    expect(await page.locator('.env').textContent()).toBe('sandbox');
    // The org's connections as the API counts them now (other tests add, expire and remove some).
    const connections = (await call(t.url, 'GET', '/v2/account/connections?limit=100', { key: t.adminKey })).body.list as Array<{ status: string }>;
    const stats = await page.locator('.stats').first().textContent();
    expect(stats).toContain(`${connections.length}all`);
    expect(stats).toContain(`${connections.filter((c) => c.status === 'expired').length}expired`);
  });

  it('a request without the CSRF header is refused in the browser too', async () => {
    await ensureSignedIn();
    await page.goto(`${t.url}/dashboard`);
    await settled(page, 'Overview');
    const status = await page.evaluate(async () => {
      const reply = await fetch('/v2/api-keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'csrf probe' }) });
      return { status: reply.status, body: await reply.json() };
    });
    expect(status.status).toBe(403);
    expect(status.body.details.field).toBe('x-csrf-token');
    const keys = await call(t.url, 'GET', '/v2/api-keys', { key: t.adminKey });
    expect(keys.body.list.map((k: { name: string }) => k.name)).not.toContain('csrf probe');
  });

  it('walks every page: content shown, no serious or critical axe violation (light and dark), nothing wider than a phone, no CSP violation', async () => {
    await ensureSignedIn();
    const problems: string[] = [];
    replies.length = 0;
    const stops = dashboardStops(a, adminKeyId);
    expect(stops.length).toBe(13);
    for (const stop of stops) {
      await page.setViewportSize({ width: 1100, height: 820 });
      await page.goto(`${t.url}${stop.path}`);
      await settled(page, stop.heading);
      if (stop.shows) {
        const text = (await page.locator('main').textContent()) ?? '';
        if (!text.includes(stop.shows)) problems.push(`${stop.path}: does not show ${stop.shows}`);
      }
      if (await page.locator('.notice.error').count()) problems.push(`${stop.path}: shows an error: ${await page.locator('.notice.error').first().textContent()}`);
      for (const violation of await seriousViolations(page)) problems.push(`${stop.path}: ${violation}`);
      await page.setViewportSize(PHONE);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > PHONE.width) problems.push(`${stop.path}: ${width} px wide on a ${PHONE.width} px phone`);
    }
    await page.setViewportSize({ width: 1100, height: 820 });
    expect(problems).toEqual([]);
    expect(cspViolations).toEqual([]);
    expect(foreignRequests).toEqual([]);
    // Isolation: no reply any page of org A read holds an identifier of org B.
    const identifiers = [orgB.orgId, orgB.keyId, b.endpointId, b.clientReferenceId, b.clientAppId, b.linkClientReferenceId, ...b.connectionIds, ...b.failedMessageIds];
    const paths = new Set(replies.map((r) => r.url.split('?')[0]));
    for (const expected of [
      '/v2/account/connections',
      `/v2/account/connections/${a.referencedConnectionId}/status-history`,
      '/v2/api-keys',
      '/v2/webhooks/endpoints',
      '/v2/webhooks/messages',
      '/v2/client-apps',
      '/v2/link/sessions',
      '/v2/account/usage',
      '/v2/audit-log',
    ]) {
      expect(paths, `no page read ${expected}`).toContain(expected);
    }
    const leaks = replies.flatMap((reply) => identifiers.filter((id) => reply.body.includes(id)).map((id) => `${reply.url} shows ${id}`));
    expect(leaks).toEqual([]);
  }, 120_000); // 13 pages, each run through axe twice (light and dark) and measured at phone width, on a loaded machine

  it('finds a connection by its client reference through the server\'s search, and opens it', async () => {
    await ensureSignedIn();
    await page.goto(`${t.url}/dashboard/connections`);
    await settled(page, 'Connections');
    await page.getByLabel(/^Search by id, username or client reference/).fill(a.clientReferenceId);
    const searched = page.waitForResponse((response) => new URL(response.url()).searchParams.get('search') === a.clientReferenceId);
    await page.getByRole('button', { name: 'Search' }).click();
    // The page asks the list route to search (not the whole list to filter in the page).
    expect(new URL((await searched).url()).pathname).toBe('/v2/account/connections');
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 10_000 }).toContain(`Connections matching “${a.clientReferenceId}”`);
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    await rows.first().getByRole('link').click();
    await settled(page, /^@/);
    expect(await page.locator('main').textContent()).toContain(a.referencedConnectionId);
    // Its status history: imported by the admin key.
    const history = page.locator('table', { has: page.locator('caption', { hasText: 'Status history' }) });
    await expect.poll(() => history.locator('tbody tr').allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining('Session imported')]);
    // Another org's client reference finds nothing here.
    await page.goto(`${t.url}/dashboard/connections?q=${encodeURIComponent(b.clientReferenceId)}`);
    await settled(page, 'Connections');
    expect(await page.getByRole('status').first().textContent()).toContain('Nothing matches');
  });

  it('lists recent Link sessions with how they ended, filtered by outcome', async () => {
    await ensureSignedIn();
    // One session of org A that failed (a locked account), besides the seeded open one.
    const init = await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { clientAppId: a.clientAppId, clientReferenceId: 'dash-link-failed' } });
    expect(init.status).toBe(200);
    const secret = new URL(init.body.url).pathname.split('/').pop() ?? '';
    const login = await call(t.url, 'POST', `/v2/link/${secret}/login`, {
      key: t.adminKey,
      body: { email: `dashlocked${Date.now().toString(36)}@locked.sandbox.com`, password: 'good-password' },
    });
    expect(login.body.status).toBe('failed');
    await page.goto(`${t.url}/dashboard/link/sessions`);
    await settled(page, 'Link sessions');
    const failedRow = page.locator('tbody tr', { hasText: 'dash-link-failed' });
    expect(await failedRow.textContent()).toContain('account_locked');
    expect(await failedRow.locator('.badge').first().textContent()).toBe('failed');
    expect(await page.locator('tbody tr', { hasText: a.linkClientReferenceId }).locator('.badge').first().textContent()).toBe('open');
    await page.getByLabel('Outcome').selectOption('failed');
    await expect.poll(() => page.locator('tbody tr').allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining('dash-link-failed')]);
    expect(new URL(page.url()).searchParams.get('outcome')).toBe('failed');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('sends a test event from an endpoint\'s page and sees it delivered in the deliveries list', async () => {
    await ensureSignedIn();
    receiverA.answer = () => 200;
    await page.goto(`${t.url}/dashboard/webhooks/endpoints/${a.endpointId}`);
    await settled(page, 'Webhook endpoint');
    await page.getByLabel('Event type').selectOption('connection.updated');
    await page.getByRole('button', { name: 'Send test event' }).click();
    const notice = page.getByRole('status').filter({ hasText: 'Test event queued' });
    await notice.waitFor({ timeout: 10_000 });
    const messageId = ((await notice.getByRole('link').textContent()) ?? '').trim();
    expect(messageId).toMatch(/^msg_/);
    await receiverA.waitFor((received) => received.some((d) => d.webhookId === messageId && d.payload.test === true), WORKER_PROGRESS_TIMEOUT_MS);
    await eventually(
      async () => {
        await page.goto(`${t.url}/dashboard/webhooks/messages?eventType=connection.updated`);
        await settled(page, 'Webhook deliveries');
        const row = page.locator('tbody tr', { has: page.locator(`a[href$="${messageId}"]`) });
        return (await row.count()) === 1 && (await row.locator('.badge').first().textContent()) === 'succeeded';
      },
      { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the test event listed as succeeded' },
    );
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('replays a failed delivery from its page and sees it succeed', async () => {
    await ensureSignedIn();
    const messageId = await failedMessageNow();
    const before = receiverA.received.filter((d) => d.webhookId === messageId).length;
    await page.goto(`${t.url}/dashboard/webhooks/messages?status=failed`);
    await settled(page, 'Webhook deliveries');
    await page.getByRole('link', { name: 'connection.created' }).first().waitFor();
    await page.goto(`${t.url}/dashboard/webhooks/messages/${messageId}`);
    await settled(page, 'Webhook message');
    expect(await page.locator('.facts .badge').first().textContent()).toBe('failed');
    await page.getByRole('button', { name: 'Replay' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 10_000 }).toContain('Queued again for 1 endpoint');
    await receiverA.waitFor((received) => received.filter((d) => d.webhookId === messageId).length > before, WORKER_PROGRESS_TIMEOUT_MS);
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page.waitForFunction(() => document.querySelector('.state') === null, undefined, { timeout: 10_000 });
        return (await page.locator('.facts .badge').first().textContent()) === 'succeeded';
      },
      { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the replayed message shown as succeeded' },
    );
  });

  it('replays every failed delivery since a time', async () => {
    await ensureSignedIn();
    await failedMessageNow();
    await page.goto(`${t.url}/dashboard/webhooks/messages`);
    await settled(page, 'Webhook deliveries');
    await page.getByRole('button', { name: 'Replay failed' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 10_000 }).toMatch(/deliver(y|ies) queued again/);
    await eventually(async () => (await call(t.url, 'GET', '/v2/webhooks/messages?status=failed', { key: t.adminKey })).body.list.length === 0, {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS,
      what: 'no failed message left',
    });
  });

  it('creates a key (shown once, with a copy button) and revokes it', async () => {
    await ensureSignedIn();
    await page.goto(`${t.url}/dashboard/api-keys`);
    await settled(page, 'API keys');
    await page.getByLabel('Name').fill('Browser-made key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('[data-secret]').textContent({ timeout: 10_000 }))?.trim() ?? '';
    expect(secret).toMatch(/^sk_sandbox_/);
    expect(await page.getByRole('button', { name: 'Copy' }).count()).toBe(1);
    expect((await call(t.url, 'GET', '/v2/account/whoami', { key: secret })).status).toBe(200);
    const row = page.locator('tr', { hasText: 'Browser-made key' });
    await row.getByRole('button', { name: /Revoke/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('revoked').waitFor({ timeout: 10_000 });
    expect((await call(t.url, 'GET', '/v2/account/whoami', { key: secret })).status).toBe(401);
  });

  it('the audit log names the dashboard session as the actor of what it changed', async () => {
    await ensureSignedIn();
    await page.goto(`${t.url}/dashboard/api-keys`);
    await settled(page, 'API keys');
    await page.getByLabel('Name').fill('Audited key');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('[data-secret]').waitFor({ timeout: 10_000 });
    const keys = (await call(t.url, 'GET', '/v2/api-keys', { key: t.adminKey })).body.list as Array<{ id: string; name: string }>;
    const audited = keys.find((k) => k.name === 'Audited key');
    expect(audited).toBeDefined();
    await page.goto(`${t.url}/dashboard/audit-log`);
    await settled(page, 'Audit log');
    await page.getByLabel(/^Who/).fill(`dashboard:${adminKeyId}`);
    await page.getByLabel('Target id').fill(audited?.id ?? '');
    await page.getByRole('button', { name: 'Filter' }).click();
    // Until the filtered answer has replaced the whole list: one row, this key's creation, made by this session.
    await expect.poll(() => page.locator('tbody tr').allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining('api_key.created')]);
    expect(await page.locator('tbody').textContent()).toContain(`dashboard (key ${adminKeyId})`);
  });

  it('invalidates a connection after confirming, from its page', async () => {
    await ensureSignedIn();
    await page.goto(`${t.url}/dashboard/connections/${a.connectionIds[1]}`);
    await settled(page, /^@/);
    await page.getByRole('button', { name: 'Invalidate session' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await call(t.url, 'GET', `/v2/account/connections/${a.connectionIds[1]}`, { key: t.adminKey })).body.status).toBe('active');
    await page.getByRole('button', { name: 'Invalidate session' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Invalidate' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 10_000 }).toContain('invalidated');
    expect((await call(t.url, 'GET', `/v2/account/connections/${a.connectionIds[1]}`, { key: t.adminKey })).body.status).toBe('expired');
  });

  it('adds a webhook endpoint (its secret shown once), disables and enables it, and rotates its secret after confirming', async () => {
    await ensureSignedIn();
    await page.goto(`${t.url}/dashboard/webhooks`);
    await settled(page, 'Webhooks');
    await page.getByLabel('URL').fill(`${receiverA.url}/from-the-dashboard`);
    await page.getByLabel('Description').fill('made in the browser');
    await page.getByRole('checkbox', { name: 'connection.expired' }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = (await page.locator('[data-secret]').textContent({ timeout: 10_000 }))?.trim() ?? '';
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('link', { name: `${receiverA.url}/from-the-dashboard` }).click();
    await settled(page, 'Webhook endpoint');
    const endpointId = new URL(page.url()).pathname.split('/').pop() ?? '';
    const read = async () => (await call(t.url, 'GET', `/v2/webhooks/endpoints/${endpointId}`, { key: t.adminKey })).body;
    expect(await read()).toMatchObject({ description: 'made in the browser', eventTypes: ['connection.expired'], enabled: true });
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor({ timeout: 10_000 });
    expect((await read()).enabled).toBe(false);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Disable' }).waitFor({ timeout: 10_000 });
    expect((await read()).enabled).toBe(true);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    await expect.poll(async () => (await page.locator('[data-secret]').textContent())?.trim(), { timeout: 10_000 }).not.toBe(secret);
    const rotated = (await page.locator('[data-secret]').textContent())?.trim();
    const current = await call(t.url, 'GET', `/v2/webhooks/endpoints/${endpointId}/secret`, { key: t.adminKey });
    expect(current.body.key).toBe(rotated);
    expect((await read()).previousSecretExpiresAt).not.toBeNull();
  });

  it('creates a Link client app (with a live preview of the consent step) and edits it', async () => {
    await ensureSignedIn();
    await page.goto(`${t.url}/dashboard/link`);
    await settled(page, 'Link client apps');
    await page.getByLabel('Name (shown to the account owner)').fill('Browser App');
    await page.getByLabel('Redirect URIs (one per line)').fill('http://127.0.0.1:9/one\nhttp://127.0.0.1:9/two');
    await page.getByRole('checkbox', { name: 'earnings:read' }).check();
    // The consent step's preview follows the form as it is typed, in the Link page's words.
    const preview = page.getByRole('region', { name: 'Preview of the Link consent step' });
    expect(await preview.textContent()).toContain('Browser App is asking to connect');
    expect(await preview.getByRole('listitem').allTextContents()).toEqual(['See your earnings and statements']);
    await page.getByRole('button', { name: 'Create app' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 10_000 }).toContain('Created Browser App');
    const apps = async () => (await call(t.url, 'GET', '/v2/client-apps', { key: t.adminKey })).body.list as Array<{ name: string; redirectUris: string[]; permissions: string[]; profile: { description: string | null } }>;
    expect((await apps()).find((app) => app.name === 'Browser App')).toMatchObject({ redirectUris: ['http://127.0.0.1:9/one', 'http://127.0.0.1:9/two'], permissions: ['earnings:read'] });
    await page.getByRole('button', { name: 'Edit Browser App' }).click();
    await page.getByLabel('Description').fill('Edited in the dashboard');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 10_000 }).toContain('Saved Browser App');
    expect((await apps()).find((app) => app.name === 'Browser App')?.profile.description).toBe('Edited in the dashboard');
  });

  it('connects a sandbox test account from the sandbox tools and finds it among the connections', async () => {
    await ensureSignedIn();
    await page.goto(`${t.url}/dashboard/sandbox`);
    await settled(page, 'Sandbox tools');
    const name = `dashtool${Date.now().toString(36)}`;
    await page.getByLabel(/Account name/).fill(name);
    await page.getByRole('button', { name: 'Mint and import' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 15_000 }).toContain('Connected');
    await page.getByRole('status').first().getByRole('link').click();
    await settled(page, /^@/);
    const connectionId = new URL(page.url()).pathname.split('/').pop() ?? '';
    const connection = await call(t.url, 'GET', `/v2/account/connections/${connectionId}`, { key: t.adminKey });
    expect(connection.body).toMatchObject({ status: 'active', imported: true });
  });

  it('disconnects a connection after confirming, and the list no longer has it', async () => {
    await ensureSignedIn();
    const target = a.connectionIds[2];
    await page.goto(`${t.url}/dashboard/connections/${target}`);
    await settled(page, /^@/);
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
    await settled(page, 'Connections');
    expect((await call(t.url, 'GET', `/v2/account/connections/${target}`, { key: t.adminKey })).status).toBe(404);
    expect(await page.locator('main').textContent()).not.toContain(target);
  });

  it('changes a connection\'s pacing and proxy country from its page, and clears the pacing again', async () => {
    await ensureSignedIn();
    const target = a.connectionIds[0];
    const settings = async () => (await call(t.url, 'GET', `/v2/account/connections/${target}/settings`, { key: t.adminKey })).body;
    await page.goto(`${t.url}/dashboard/connections/${target}`);
    await settled(page, /^@/);
    await page.getByLabel('Requests per minute').fill('30');
    await page.getByLabel('Proxy country').fill('DE');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 10_000 }).toContain('Settings saved.');
    expect(await settings()).toMatchObject({ pacing: { requestsPerMinute: 30 }, proxy: { url: null, country: 'DE' } });
    await expect.poll(() => page.getByLabel('Requests per minute').inputValue(), { timeout: 10_000 }).toBe('30');
    await page.getByLabel('Requests per minute').fill('');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(async () => (await settings()).pacing, { timeout: 10_000 }).toBeNull();
    expect((await settings()).proxy.country).toBe('DE');
  });

  it('signing out ends the session: the cookie is cleared and the sign-in page is back', async () => {
    await ensureSignedIn();
    await page.goto(`${t.url}/dashboard`);
    await settled(page, 'Overview');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: /sign in/i }).waitFor({ timeout: 10_000 });
    expect(await context.cookies()).toEqual([]);
  });

  it('works from the keyboard alone: sign in with Tab, typing and Enter; a dialog opens with Enter and Escape closes it', async () => {
    await ensureSignedOut();
    await page.goto(`${t.url}/dashboard/api-keys`);
    await page.getByRole('heading', { level: 1, name: /sign in/i }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key');
    await page.keyboard.type(t.adminKey);
    await page.keyboard.press('Enter');
    await settled(page, 'API keys');
    const keysBefore = (await call(t.url, 'GET', '/v2/api-keys', { key: t.adminKey })).body.list;
    // Tab through the page to the first Revoke button, as a keyboard user would.
    let reached = false;
    for (let presses = 0; presses < 40 && !reached; presses++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.textContent?.trim() === 'Revoke');
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    expect((await call(t.url, 'GET', '/v2/api-keys', { key: t.adminKey })).body.list).toEqual(keysBefore);
  });

  it('a connection\'s page shows its Access request log', async () => {
    await ensureSignedIn();
    await page.goto(`${t.url}/dashboard/connections/${a.referencedConnectionId}`);
    await settled(page, /^@/);
    // The log is written in batches (about a second after the call).
    await eventually(
      async () => {
        await page.reload();
        await settled(page, /^@/);
        return ((await page.locator('table', { has: page.getByText('Request id') }).textContent()) ?? '').includes('/self');
      },
      { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the seeded Access call in the request log' },
    );
  });
  it('edits a client app\'s brand colour and logo, sees them in the preview, and the Link page uses them', async () => {
    await ensureSignedIn();
    await page.goto(`${t.url}/dashboard/link`);
    await settled(page, 'Link client apps');
    await page.getByRole('button', { name: `Edit ${a.clientAppName}` }).click();
    const preview = page.getByRole('region', { name: 'Preview of the Link consent step' });
    const buttonColour = () => preview.locator('[data-preview-button]').evaluate((el) => getComputedStyle(el).backgroundColor);
    const before = await buttonColour();
    await page.getByLabel(/^Brand colour/).fill('#c2185b');
    await page.getByLabel('Display name (empty: the name)').fill('Alpha Brand');
    const logo = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#c2185b' } }).png().toBuffer();
    await page.getByLabel(/^Logo/).setInputFiles({ name: 'alpha.png', mimeType: 'image/png', buffer: logo });
    await expect.poll(() => preview.locator('img.preview-logo').getAttribute('src'), { timeout: 10_000 }).toMatch(/^data:image\/png;base64,/);
    // The preview follows as it is typed: the colour (AA-readable as the Link page makes it) and the name.
    await expect.poll(buttonColour, { timeout: 10_000 }).toBe('rgb(194, 24, 91)');
    expect(before).not.toBe('rgb(194, 24, 91)');
    expect(await preview.textContent()).toContain('Alpha Brand is asking to connect');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 10_000 }).toContain(`Saved ${a.clientAppName}`);
    const app = (await call(t.url, 'GET', `/v2/client-apps/${a.clientAppId}`, { key: t.adminKey })).body;
    expect(app).toMatchObject({ brandColor: '#c2185b', displayName: 'Alpha Brand', logoUrl: expect.stringMatching(/^\/link\/logos\/[0-9a-f]{64}\.webp$/) });
    // The list reloads after the saved notice shows: wait for the row to follow.
    await expect.poll(() => page.locator('tbody tr', { hasText: a.clientAppName }).textContent(), { timeout: 10_000 }).toContain('#c2185b');

    // The hosted Link page of a session of this app is in that colour.
    const init = await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { clientAppId: a.clientAppId } });
    expect(init.status).toBe(200);
    const linkPage = await context.newPage();
    try {
      await linkPage.emulateMedia({ colorScheme: 'light' });
      await linkPage.goto(init.body.url);
      await linkPage.locator('link[href="/link/brand/c2185b.css"]').waitFor({ state: 'attached', timeout: 15_000 });
      const accent = await linkPage.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim());
      expect(accent).toBe('#c2185b');
      expect(await linkPage.locator('body').textContent()).toContain('Alpha Brand');
      expect(await linkPage.locator(`img[src="${app.logoUrl}"]`).count()).toBe(1);
    } finally {
      await linkPage.close();
    }
  });
});
