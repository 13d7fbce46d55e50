// Every Link step an end user can meet, walked in Chromium in English and Spanish and shown light and dark on a desktop
// and a 390×844 phone: each is written as a screenshot to test-results/link-screenshots/ (for review by eye) and
// checked as it is shot — its heading in the page's language, the card in the same place on every step (one layout),
// on the phone the primary button inside the viewport, on every failure a way forward, and no request leaving this service.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator, type Locale, type MessageKey } from '../../src/link/i18n/catalogue.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { launchBrowser } from '../support/browser.ts';
import { releaseAll } from '../support/cleanup.ts';
import { BROWSER_BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

const SHOTS_DIR = path.resolve('test-results/link-screenshots');
const DESKTOP = { width: 1100, height: 820 };
const PHONE = { width: 390, height: 844 };
const LANGUAGES: Locale[] = ['en', 'es'];
let emailSeq = 0;
const uniqueEmail = (scenario: string) => `step${process.pid}x${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;

/** One state of the flow: where it is, what its heading says, and what the user can do there. */
interface Step {
  name: string;
  heading: MessageKey;
  /** Step n of 4 the indicator marks, or null where there is none. */
  progress: number | null;
  /** A failure: it must offer a way forward (a button or link in its actions). */
  isFailure?: boolean;
  /** Opens a new Link session in this state, in the given language. */
  open(page: Page, locale: Locale): Promise<void>;
}

describe.each(BROWSER_BACKENDS)('link: every step in Chromium, light and dark, desktop and phone, English and Spanish (%s)', (backend) => {
  let t: TestService;
  let browser: Browser;
  let context: BrowserContext;
  let appId: string;
  // Moved only to show the expired page, and set back at once.
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestService(backend, { clock }), launchBrowser()]);
    const logo = await sharp({ create: { width: 256, height: 256, channels: 4, background: { r: 255, g: 90, b: 31, alpha: 1 } } }).png().toBuffer();
    const app = await call(t.url, 'POST', '/v2/client-apps', {
      key: t.adminKey,
      body: {
        name: 'acme-inbox-prod',
        displayName: 'Acme Inbox',
        brandColor: '#ff5a1f',
        logo: { data: logo.toString('base64') },
        integrationType: 'redirect',
        redirectUris: ['http://127.0.0.1:9/callback'],
        permissions: ['profile:read', 'messages:read', 'messages:write', 'earnings:read'],
        profile: { description: 'The CRM for creator teams.', privacyPolicyUrl: 'https://acme.example/privacy', termsUrl: 'https://acme.example/terms' },
      },
    });
    expect(app.status).toBe(201);
    appId = app.body.id;
    context = await browser.newContext({ viewport: DESKTOP });
    // The "Signing in…" state: the sign-in form's post is stopped in the browser after link.js's submit handler ran
    // (a window listener fires after its document one), leaving the page as a person waiting on OnlyFans sees it.
    await context.addInitScript(() => {
      window.addEventListener('submit', (e) => {
        if ((e.target as HTMLFormElement).hasAttribute('data-busy-form')) e.preventDefault();
      });
    });
  }, 120_000);
  afterAll(() =>
    releaseAll(
      () => context?.close(),
      () => browser?.close(),
      () => t?.close(),
    ),
  );

  async function newLink(locale: Locale): Promise<string> {
    const res = await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { clientAppId: appId, locale } });
    expect(res.status).toBe(200);
    return res.body.url;
  }

  /** A new link brought to a state through the JSON API (the whitelabel calls), then opened. */
  async function linkAfter(page: Page, locale: Locale, ...calls: Array<[string, unknown]>): Promise<void> {
    const url = await newLink(locale);
    const secret = new URL(url).pathname.split('/link/')[1];
    for (const [action, body] of calls) await call(t.url, 'POST', `/v2/link/${secret}/${action}`, { key: t.adminKey, body });
    await page.goto(url);
  }
  const signIn = (scenario: string, password = 'good-password'): [string, unknown] => ['login', { email: uniqueEmail(scenario), password }];

  const steps: Step[] = [
    { name: '1-consent', heading: 'consent.heading', progress: 1, open: async (page, locale) => void (await page.goto(await newLink(locale))) },
    {
      name: '2-sign-in',
      heading: 'login.heading',
      progress: 2,
      open: async (page, locale) => void (await page.goto(`${await newLink(locale)}&screen=login`)),
    },
    {
      name: '2-signing-in',
      heading: 'login.heading',
      progress: 2,
      open: async (page, locale) => {
        await page.goto(`${await newLink(locale)}&screen=login`);
        await page.locator('input[name=email]').fill(uniqueEmail('creator'));
        await page.locator('input[name=password]').fill('good-password');
        await page.locator('form[data-busy-form] button.primary').click();
        await expect.poll(() => page.locator('button.primary').getAttribute('aria-busy')).toBe('true');
        expect(await page.locator('button.primary .label').textContent()).toBe(translator(locale)('login.busy'));
      },
    },
    { name: '2-sign-in-error', heading: 'login.heading', progress: 2, open: (page, locale) => linkAfter(page, locale, signIn('creator', 'not-the-password')) },
    { name: '3-verify', heading: 'twofa.heading', progress: 3, open: (page, locale) => linkAfter(page, locale, signIn('creator-otp')) },
    { name: '3-verify-text-message', heading: 'twofa.heading', progress: 3, open: (page, locale) => linkAfter(page, locale, signIn('creator-sms')) },
    { name: '3-verify-email', heading: 'twofa.heading', progress: 3, open: (page, locale) => linkAfter(page, locale, signIn('creator-email')) },
    {
      name: '3-verify-error',
      heading: 'twofa.heading',
      progress: 3,
      open: (page, locale) => linkAfter(page, locale, signIn('creator-otp'), ['2fa', { code: '000000' }]),
    },
    { name: '4-connected', heading: 'success.heading', progress: 4, open: (page, locale) => linkAfter(page, locale, signIn('creator')) },
    {
      name: 'failure-already-connected',
      heading: 'failure.account_already_connected.heading',
      progress: null,
      isFailure: true,
      open: async (page, locale) => {
        const email = uniqueEmail('creator');
        await linkAfter(page, locale, ['login', { email, password: 'good-password' }]);
        await linkAfter(page, locale, ['login', { email, password: 'good-password' }]);
      },
    },
    { name: 'failure-account-locked', heading: 'failure.account_locked.heading', progress: null, isFailure: true, open: (page, locale) => linkAfter(page, locale, signIn('locked')) },
    { name: 'failure-security-check', heading: 'failure.security_check.heading', progress: null, isFailure: true, open: (page, locale) => linkAfter(page, locale, signIn('faceid')) },
    { name: 'not-valid', heading: 'invalid.heading', progress: null, open: async (page, locale) => void (await page.goto(`${t.url}/link/cs_doesnotexist0000000000?locale=${locale}`)) },
    {
      name: 'expired',
      heading: 'expired.heading',
      progress: null,
      isFailure: true,
      open: async (page, locale) => {
        const url = await newLink(locale);
        clock.advance(31 * 60_000);
        try {
          await page.goto(url);
        } finally {
          clock.advance(-31 * 60_000);
        }
      },
    },
  ];

  it('writes a screenshot of every step in both themes, desktop and phone, in two languages, each checked as it is shot', async () => {
    mkdirSync(SHOTS_DIR, { recursive: true });
    // This test's pictures of an earlier run go (`npm run screenshots` writes PNG files beside them and keeps them).
    for (const file of readdirSync(SHOTS_DIR)) if (file.endsWith('.jpeg')) rmSync(path.join(SHOTS_DIR, file));
    const written: string[] = [];
    const page = await context.newPage();
    const hosts = new Set<string>();
    page.on('request', (request) => hosts.add(new URL(request.url()).host));
    // The card's place and width on each device, as the first step has it; a step where it differs is listed.
    const firstCard = new Map<string, string>();
    const movedCards: string[] = [];
    try {
      for (const locale of LANGUAGES) {
        const text = translator(locale);
        for (const step of steps) {
          const label = `${step.name} (${locale})`;
          await page.setViewportSize(DESKTOP);
          await step.open(page, locale);
          expect(await page.getAttribute('html', 'lang'), label).toBe(locale);
          expect(await page.getByRole('heading', { level: 1 }).textContent(), label).toBe(text(step.heading));
          const current = page.locator('ol.steps [aria-current=step]');
          if (step.progress === null) expect(await current.count(), label).toBe(0);
          else expect(await current.textContent(), label).toContain(text('steps.current', { n: step.progress, total: 4, name: '' }).trim());
          if (step.isFailure) expect(await page.locator('.main-actions').getByRole('button').or(page.locator('.main-actions').getByRole('link')).count(), label).toBeGreaterThan(0);
          for (const [device, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
            await page.setViewportSize(viewport);
            // One layout: the card sits at the same place and width on every step (forms and outcomes alike).
            const box = (await page.locator('main').boundingBox())!;
            const card = `x ${Math.round(box.x)} y ${Math.round(box.y)} width ${Math.round(box.width)}`;
            if (!firstCard.has(device)) firstCard.set(device, card);
            if (card !== firstCard.get(device)) movedCards.push(`${label} ${device}: ${card}, first step ${firstCard.get(device)}`);
            const primary = page.locator('.primary:visible').first();
            if (device === 'phone' && (await primary.count()) > 0) {
              const box = (await primary.boundingBox())!;
              expect(box.y, `${label}: the primary button's top on a phone`).toBeGreaterThanOrEqual(0);
              expect(box.y + box.height, `${label}: the primary button's bottom on a phone`).toBeLessThanOrEqual(PHONE.height);
            }
            for (const theme of ['light', 'dark'] as const) {
              await page.emulateMedia({ colorScheme: theme });
              const file = path.join(SHOTS_DIR, `${step.name}-${locale}-${theme}-${device}.jpeg`);
              await page.screenshot({ path: file, type: 'jpeg', quality: 80, fullPage: true, animations: 'disabled' });
              written.push(file);
            }
          }
        }
      }
    } finally {
      await page.close();
    }
    expect(movedCards).toEqual([]);
    expect([...hosts]).toEqual([new URL(t.url).host]);
    expect(new Set(written).size).toBe(steps.length * LANGUAGES.length * 2 * 2);
    expect(written.filter((file) => !existsSync(file))).toEqual([]);
  }, 120_000);
});
