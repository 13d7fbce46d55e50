// Hosted Link in live mode, with the simulator as the live upstream (its own dynamic-rules feed as the live rules
// source): an account whose login needs a captcha connects through a captcha provider (a local stand-in of the
// createTask / getTaskResult API); without a provider, or at a Face ID check, the redirect says why in its own code.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SANDBOX_CAPTCHA_OK_TOKEN } from '../../src/sandbox/accounts.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/server.ts';
import { launchBrowser } from '../support/browser.ts';
import { releaseAll } from '../support/cleanup.ts';
import { BROWSER_BACKENDS } from '../support/databases.ts';
import { createKey } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startCaptchaStandIn, type CaptchaStandIn, type StandInOptions } from '../support-captcha/stand-in.ts';
import { startLoopbackSite, type LoopbackSite } from './loopback-site.ts';

const CAPTCHA_API_KEY = 'captcha-service-key-not-for-logs-42';
const SITE_KEY = '0x4AAAAAAAliveStandInSiteKey';

// Whole logins in a browser, each through a captcha solve that polls (about 2 s).
vi.setConfig({ testTimeout: 90_000 });

let emailSeq = 0;
const uniqueEmail = (scenario: string) => `live${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;

const NO_SOLVER_MESSAGE =
  'OnlyFans asks for a captcha at sign-in and this server has no captcha solver set up, so accounts cannot be connected here yet. The operator must configure one (OFCONNECT_CAPTCHA_PROVIDER, OFCONNECT_CAPTCHA_API_KEY and OFCONNECT_CAPTCHA_SITE_KEY).';
const FACE_ID_MESSAGE =
  'OnlyFans wants to confirm it is you with a security check (Face ID), which only works on OnlyFans itself. Sign in at onlyfans.com or in the OnlyFans app, complete the check there, then start again here.';
const CAPTCHA_FAILED_MESSAGE = 'OnlyFans asked for a captcha and it could not be solved this time. Wait a minute, then start again.';

interface LiveNode {
  t: TestService;
  liveKey: string;
  appId: string;
}

describe.each(BROWSER_BACKENDS)('link: live logins through a captcha provider, the simulator as the live upstream (%s)', (backend) => {
  let simulator: RunningSandbox;
  let standIn: CaptchaStandIn;
  const standInOptions: StandInOptions = { apiKey: CAPTCHA_API_KEY, defaultToken: SANDBOX_CAPTCHA_OK_TOKEN };
  let site: LoopbackSite;
  let browser: Browser;
  let context: BrowserContext;
  let solving: LiveNode;
  let unsolved: LiveNode;

  async function startLiveNode(captcha: Record<string, unknown>): Promise<LiveNode> {
    const t = await startTestService(backend, {
      config: { liveUpstreamUrl: simulator.url, liveRulesSource: `${simulator.url}/dynamic-rules.json`, ...captcha },
    });
    try {
      const liveKey = (await createKey(t.database.handle, t.orgId, 'live')).secret;
      const app = await call(t.url, 'POST', '/v2/client-apps', {
        key: liveKey,
        body: { name: 'Acme Live', integrationType: 'redirect', redirectUris: [`${site.origin}/callback`] },
      });
      expect(app.status).toBe(201);
      return { t, liveKey, appId: app.body.id };
    } catch (error) {
      await t.close();
      throw error;
    }
  }

  beforeAll(async () => {
    [simulator, standIn, site, browser] = await Promise.all([
      startSandbox({ port: 0, host: '127.0.0.1', rateLimit: { perIp: false } }),
      startCaptchaStandIn(standInOptions),
      startLoopbackSite('127.0.0.1'),
      launchBrowser(),
    ]);
    context = await browser.newContext();
    [solving, unsolved] = await Promise.all([
      startLiveNode({ captchaProvider: '2captcha', captchaApiKey: CAPTCHA_API_KEY, captchaApiUrl: standIn.url, captchaSiteKey: SITE_KEY }),
      startLiveNode({}),
    ]);
    // Two nodes and a browser: slow on a loaded two-core machine.
  }, 240_000);
  afterAll(() =>
    // Every step runs even if one fails: the browser and both services' databases must not outlive the file.
    releaseAll(
      () => context?.close(),
      () => browser?.close(),
      () => solving?.t.close(),
      () => unsolved?.t.close(),
      () => simulator?.close(),
      () => standIn?.close(),
      () => site?.close(),
    ),
  );

  async function newLiveLink(node: LiveNode, clientReferenceId: string): Promise<string> {
    const res = await call(node.t.url, 'POST', '/v2/link/init', { key: node.liveKey, body: { clientAppId: node.appId, clientReferenceId } });
    expect(res.status).toBe(200);
    return res.body.url;
  }

  async function signIn(page: Page, email: string) {
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('good-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function callbackQuery(page: Page): Promise<Record<string, string>> {
    await page.waitForURL(`${site.origin}/callback**`);
    return Object.fromEntries(new URL(page.url()).searchParams);
  }

  async function failurePage(page: Page): Promise<{ heading: string | null; main: string | null }> {
    await page.getByRole('link', { name: 'Return to Acme Live' }).waitFor();
    return { heading: await page.getByRole('heading', { level: 1 }).textContent(), main: await page.textContent('main') };
  }

  it('an account whose login needs a captcha connects: the provider is asked for a Turnstile token for the upstream page, and the redirect carries status=success', async () => {
    const tasksBefore = standIn.tasks.length;
    const page = await context.newPage();
    try {
      await page.goto(await newLiveLink(solving, 'live-captcha-1'));
      await signIn(page, uniqueEmail('captcha'));
      const query = await callbackQuery(page);
      expect(query).toMatchObject({ status: 'success', client_reference_id: 'live-captcha-1' });
      const connection = await call(solving.t.url, 'GET', `/v2/account/connections/${query.connection_id}`, { key: solving.liveKey });
      expect(connection.status).toBe(200);
      expect(connection.body).toMatchObject({ id: query.connection_id, status: 'active', imported: false });
    } finally {
      await page.close();
    }
    const tasks = standIn.tasks.slice(tasksBefore);
    expect(tasks.map((task) => task.task)).toEqual([
      expect.objectContaining({ type: 'TurnstileTaskProxyless', websiteURL: `${simulator.url}/`, websiteKey: SITE_KEY }),
    ]);
    expect(tasks[0]!.polls).toBeGreaterThan(1);
    expect(solving.t.logs.join('\n')).not.toContain(CAPTCHA_API_KEY);
  });

  it('without a captcha provider the login fails as captcha_required: the page tells the end user in plain words (no settings), the redirect carries error_code=captcha_required, and a warn line tells the operator what to set', async () => {
    const page = await context.newPage();
    try {
      await page.goto(await newLiveLink(unsolved, 'live-nocaptcha-1'));
      await signIn(page, uniqueEmail('captcha'));
      const shown = await failurePage(page);
      expect(shown.heading).toBe('Cannot connect right now');
      expect(shown.main).toContain('Connecting OnlyFans accounts is not available here yet. Try again later, or contact Acme Live.');
      expect(shown.main).not.toMatch(/OFCONNECT_|captcha|operator/i);
      await page.getByRole('link', { name: 'Return to Acme Live' }).click();
      expect(await callbackQuery(page)).toEqual({ status: 'error', error_code: 'captcha_required', client_reference_id: 'live-nocaptcha-1' });
    } finally {
      await page.close();
    }
    const warnings = unsolved.t.logs
      .flatMap((chunk) => chunk.split('\n'))
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((line) => line.level === 40 && line.reason === 'captcha_required');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toMatchObject({
      environment: 'live',
      msg: 'Link login needs a captcha and no captcha solver is configured: set OFCONNECT_CAPTCHA_PROVIDER (capsolver, 2captcha or anti-captcha), OFCONNECT_CAPTCHA_API_KEY and OFCONNECT_CAPTCHA_SITE_KEY',
    });
    expect(warnings[0].linkSessionId).toEqual(expect.any(String));
  });

  it('whitelabel: without a provider the status object fails with code captcha_required and the same message', async () => {
    const app = await call(unsolved.t.url, 'POST', '/v2/client-apps', { key: unsolved.liveKey, body: { name: 'Acme Headless', integrationType: 'whitelabel' } });
    expect(app.status).toBe(201);
    const init = await call(unsolved.t.url, 'POST', '/v2/link/init', { key: unsolved.liveKey, body: { clientAppId: app.body.id } });
    expect(init.status).toBe(200);
    const login = await call(unsolved.t.url, 'POST', `/v2/link/${init.body.clientSecret}/login`, {
      key: unsolved.liveKey,
      body: { email: uniqueEmail('creator'), password: 'good-password' },
    });
    expect(login.body).toMatchObject({ status: 'failed', error: { code: 'captcha_required', message: NO_SOLVER_MESSAGE } });
  });

  it('a Face ID security check ends on a page telling the user where to pass it, and the redirect carries error_code=security_check_required', async () => {
    const page = await context.newPage();
    try {
      await page.goto(await newLiveLink(solving, 'live-face-1'));
      await signIn(page, uniqueEmail('faceid'));
      const shown = await failurePage(page);
      expect(shown.heading).toBe('Security check required');
      expect(shown.main).toContain(FACE_ID_MESSAGE);
      await page.getByRole('link', { name: 'Return to Acme Live' }).click();
      expect(await callbackQuery(page)).toEqual({ status: 'error', error_code: 'security_check_required', client_reference_id: 'live-face-1' });
    } finally {
      await page.close();
    }
  });

  it('a provider failure (no balance) ends as captcha_failed, with a warn line naming the service error and not the key', async () => {
    standInOptions.createError = 'ERROR_ZERO_BALANCE';
    const page = await context.newPage();
    try {
      await page.goto(await newLiveLink(solving, 'live-failed-1'));
      await signIn(page, uniqueEmail('captcha'));
      const shown = await failurePage(page);
      expect(shown.heading).toBe('Captcha not solved');
      expect(shown.main).toContain(CAPTCHA_FAILED_MESSAGE);
      await page.getByRole('link', { name: 'Return to Acme Live' }).click();
      expect(await callbackQuery(page)).toEqual({ status: 'error', error_code: 'captcha_failed', client_reference_id: 'live-failed-1' });
    } finally {
      delete standInOptions.createError;
      await page.close();
    }
    const logs = solving.t.logs.join('\n');
    expect(logs).toContain('Link login failed at the captcha: The captcha service (2captcha) refused createTask with ERROR_ZERO_BALANCE');
    expect(logs).not.toContain(CAPTCHA_API_KEY);
  });
});
