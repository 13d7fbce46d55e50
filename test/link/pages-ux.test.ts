// What an end user sees on the hosted Link pages, in Chromium: branding header and colour (with contrast in both themes),
// the password statement, the step indicator, show-password, Back, the slow-login spinner, "use another account",
// languages (init's locale, Accept-Language), the phone layout, the page weight with a logo and no third-party hosts.
// axe-core's checks of every page are in axe.test.ts.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contrastRatio, type Rgb } from '../../src/link/branding/contrast.ts';
import { launchBrowser } from '../support/browser.ts';
import { releaseAll } from '../support/cleanup.ts';
import { BROWSER_BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startLoopbackSite, type LoopbackSite } from './loopback-site.ts';
import { brandedAppBody } from './branded-app.ts';

let emailSeq = 0;
const uniqueEmail = (scenario: string) => `ux${process.pid}x${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;
const ALL_PERMISSIONS = ['profile', 'posts', 'messages', 'subscribers', 'earnings', 'analytics', 'vault', 'promotions', 'lists'].flatMap((a) => [`${a}:read`, `${a}:write`]);

function rgbOf(css: string): Rgb {
  const [r, g, b] = css.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
  return [r, g, b];
}

describe.each(BROWSER_BACKENDS)('link pages for end users in Chromium (%s)', (backend) => {
  let t: TestService;
  let site: LoopbackSite;
  let callback: string;
  let browser: Browser;
  let context: BrowserContext;
  let orgKey: string;
  let orgId: string;
  let plainAppId: string;
  let brandedAppId: string;
  let brandedLogoUrl: string;

  beforeAll(async () => {
    [t, browser, site] = await Promise.all([startTestService(backend), launchBrowser(), startLoopbackSite('127.0.0.1')]);
    callback = `${site.origin}/callback`;
    orgId = await createOrg(t.database.handle, 'Northwind Studio');
    orgKey = (await createKey(t.database.handle, orgId)).secret;
    const plain = await call(t.url, 'POST', '/v2/client-apps', {
      key: orgKey,
      body: { name: 'Plain CRM', integrationType: 'redirect', redirectUris: [callback], permissions: ALL_PERMISSIONS },
    });
    expect(plain.status).toBe(201);
    plainAppId = plain.body.id;
    // Random pixels: the heaviest a logo can be once re-encoded (noise does not compress; ~10 KB at 128 px), so the
    // first-load weight below is measured with the worst logo an app can upload.
    const logo = await sharp(randomBytes(300 * 300 * 3), { raw: { width: 300, height: 300, channels: 3 } }).png().toBuffer();
    const branded = await call(t.url, 'POST', '/v2/client-apps', {
      key: orgKey,
      body: brandedAppBody(logo, callback),
    });
    expect(branded.status).toBe(201);
    brandedAppId = branded.body.id;
    brandedLogoUrl = branded.body.logoUrl;
    context = await browser.newContext();
  }, 120_000);
  afterAll(() =>
    releaseAll(
      () => context?.close(),
      () => browser?.close(),
      () => site?.close(),
      () => t?.close(),
    ),
  );

  async function newLink(body: Record<string, unknown> = {}, key = orgKey): Promise<string> {
    const res = await call(t.url, 'POST', '/v2/link/init', { key, body: { clientAppId: plainAppId, ...body } });
    expect(res.status).toBe(200);
    return res.body.url;
  }

  async function toLogin(page: Page, url: string) {
    await page.goto(url);
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.getByLabel('Email').waitFor();
  }

  it('the header shows the app (display name, its logo served by us) beside OnlyFans, with privacy and terms links; the primary button wears the brand colour', async () => {
    const page = await context.newPage();
    try {
      await page.goto(await newLink({ clientAppId: brandedAppId }));
      const header = page.locator('header.brand');
      expect(await header.getAttribute('aria-label')).toBe('Fan CRM and OnlyFans');
      expect(await header.textContent()).toMatch(/Fan CRM[\s\S]*OnlyFans/);
      const logo = header.locator('img.logo');
      expect(await logo.getAttribute('src')).toBe(brandedLogoUrl);
      expect(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
      expect(await page.getByRole('link', { name: 'Privacy policy' }).getAttribute('href')).toBe('https://fancrm.example/privacy');
      expect(await page.getByRole('link', { name: 'Terms' }).getAttribute('href')).toBe('https://fancrm.example/terms');
      const fill = await page.getByRole('link', { name: 'Continue' }).evaluate((el) => getComputedStyle(el).backgroundColor);
      // #ff5a1f is too light for white text on a white card, so it is darkened, keeping its hue.
      const [r, g, b] = rgbOf(fill);
      expect(r).toBeGreaterThan(g);
      expect(g).toBeGreaterThan(b);
      expect(contrastRatio([r, g, b], [255, 255, 255])).toBeGreaterThanOrEqual(4.5);
      expect(await page.textContent('main')).toContain('Fan CRM is asking to connect');
    } finally {
      await page.close();
    }
  });

  it('a light-yellow and a dark-navy brand colour keep 4.5:1 for the button text and links on the card, in both themes', async () => {
    const page = await context.newPage();
    try {
      for (const brandColor of ['#fff3a0', '#0a1f44']) {
        const app = await call(t.url, 'POST', '/v2/client-apps', {
          key: orgKey,
          body: { name: `Colour ${brandColor}`, brandColor, redirectUris: [callback], profile: { privacyPolicyUrl: 'https://c.example/p' } },
        });
        const url = await newLink({ clientAppId: app.body.id });
        for (const theme of ['light', 'dark'] as const) {
          await page.goto(`${url}?theme=${theme}`);
          const colours = await page.evaluate(() => {
            const button = document.querySelector('.primary')!;
            const link = document.querySelector('.legal a')!;
            return {
              fill: getComputedStyle(button).backgroundColor,
              text: getComputedStyle(button).color,
              link: getComputedStyle(link).color,
              card: getComputedStyle(document.querySelector('main')!).backgroundColor,
            };
          });
          const label = `${brandColor} ${theme}`;
          expect(contrastRatio(rgbOf(colours.fill), rgbOf(colours.text)), label).toBeGreaterThanOrEqual(4.5);
          expect(contrastRatio(rgbOf(colours.link), rgbOf(colours.card)), label).toBeGreaterThanOrEqual(4.5);
          expect(contrastRatio(rgbOf(colours.fill), rgbOf(colours.card)), label).toBeGreaterThanOrEqual(3);
        }
      }
    } finally {
      await page.close();
    }
  });

  it('the login step says what happens to the password and who runs the page, following the org\'s re-login setting', async () => {
    const page = await context.newPage();
    const otherOrg = await createOrg(t.database.handle, 'Keeper Agency');
    const keeperKey = (await createKey(t.database.handle, otherOrg)).secret;
    try {
      await toLogin(page, await newLink());
      let note = await page.locator('#password-note').textContent();
      expect(note).toContain('Your password goes to OnlyFans once, to sign in. It is not stored.');
      expect(note).toContain('This page is run by Northwind Studio for Plain CRM.');

      expect((await call(t.url, 'PATCH', '/v2/account/settings', { key: keeperKey, body: { storeCredentialsForRelogin: true } })).status).toBe(200);
      const app = await call(t.url, 'POST', '/v2/client-apps', { key: keeperKey, body: { name: 'Keeper App', redirectUris: [callback] } });
      await toLogin(page, await newLink({ clientAppId: app.body.id }, keeperKey));
      note = await page.locator('#password-note').textContent();
      expect(note).toContain('kept encrypted so Keeper Agency can sign you in again');
      expect(note).not.toContain('not stored');
    } finally {
      await page.close();
    }
  });

  it('the step indicator follows consent → sign in → verify, Back returns to consent, and show-password reveals what was typed', async () => {
    const page = await context.newPage();
    try {
      await page.goto(await newLink());
      const current = () => page.locator('ol.steps [aria-current=step]').textContent();
      expect(await current()).toContain('Step 1 of 4: Consent');
      await page.getByRole('link', { name: 'Continue' }).click();
      expect(await current()).toContain('Step 2 of 4: Sign in');
      await page.getByRole('link', { name: 'Back' }).click();
      expect(await current()).toContain('Step 1 of 4: Consent');
      await page.getByRole('link', { name: 'Continue' }).click();

      const password = page.getByLabel('Password');
      await password.fill('hunter2-secret');
      const toggle = page.getByRole('button', { name: 'Show password' });
      expect(await password.getAttribute('type')).toBe('password');
      await toggle.click();
      expect(await password.getAttribute('type')).toBe('text');
      expect(await toggle.getAttribute('aria-pressed')).toBe('true');
      await toggle.click();
      expect(await password.getAttribute('type')).toBe('password');

      await page.getByLabel('Email').fill(uniqueEmail('creator-otp'));
      await password.fill('good-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Verification code', { exact: true }).waitFor();
      expect(await current()).toContain('Step 3 of 4: Verify');
      expect(await page.getByRole('link', { name: 'Back' }).count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('a slow sign-in shows a spinner and "Signing in…", says it is still working once the page has waited 8 s, then connects (the page\'s clock fast-forwarded)', async () => {
    const page = await context.newPage();
    // Playwright cannot move the page's clock while a form post is in flight, so the post is held in the browser after
    // the page's own submit handler ran (a window listener fires after link.js's document one), noting whether link.js
    // let it go; the test moves the clock past 8 s, then sends the held form as the browser would have.
    await page.addInitScript(() => {
      window.addEventListener('submit', (e) => {
        const form = e.target as HTMLFormElement;
        if (!form.hasAttribute('data-busy-form') || form.dataset.held) return;
        form.dataset.held = e.defaultPrevented ? 'cancelled by the page' : 'posting';
        e.preventDefault();
      });
    });
    try {
      await page.clock.install();
      await toLogin(page, await newLink());
      // The upstream answers late, a real delay on the simulator: the post waits on OnlyFans end to end.
      const fault = await call(t.sandboxUrl, 'POST', '/_sandbox/faults', { body: { kind: 'latency', count: 1, latencyMs: 500, pathPrefix: '/api2/v2/users/login' } });
      expect(fault.status).toBe(200);
      await page.getByLabel('Email').fill(uniqueEmail('creator'));
      await page.getByLabel('Password').fill('good-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const form = page.locator('form[data-busy-form]');
      const button = form.locator('button.primary');
      const status = page.locator('.busy-status');
      await expect.poll(() => form.getAttribute('data-held')).toBe('posting');
      expect(await button.textContent()).toContain('Signing in…');
      expect(await button.getAttribute('aria-busy')).toBe('true');
      expect(await button.locator('.spinner').evaluate((el) => getComputedStyle(el).display)).not.toBe('none');
      expect(await status.textContent()).toBe('');
      await page.clock.fastForward(8_000);
      expect(await status.textContent()).toContain('Still signing in');
      expect(await status.textContent()).not.toContain('has not answered');
      // The held post goes now, with the fields as the page left them, to the slow upstream and on to the callback.
      await form.evaluate((el: HTMLFormElement) => HTMLFormElement.prototype.submit.call(el));
      await page.waitForURL(`${callback}?status=success**`, { timeout: 60_000 });
    } finally {
      await page.close();
    }
  });

  it('a sign-in OnlyFans has not answered after 60 s says so (the page\'s clock fast-forwarded, no real waiting)', async () => {
    const page = await context.newPage();
    // Playwright cannot read the page while its form post is in flight, so the post is stopped in the browser after
    // the page's own submit handler ran (a window listener fires after link.js's document one): the page is left in
    // exactly the state a person waiting on a slow OnlyFans sees, with its timers on the installed clock.
    await page.addInitScript(() => {
      window.addEventListener('submit', (e) => {
        if ((e.target as HTMLFormElement).hasAttribute('data-busy-form')) e.preventDefault();
      });
    });
    try {
      await page.clock.install();
      await toLogin(page, await newLink());
      await page.getByLabel('Email').fill(uniqueEmail('creator'));
      await page.getByLabel('Password').fill('good-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const status = page.locator('.busy-status');
      await expect.poll(() => page.locator('button.primary .label').textContent()).toBe('Signing in…');
      expect(await page.locator('button.primary').getAttribute('aria-busy')).toBe('true');
      expect(await status.textContent()).toBe('');
      await page.clock.fastForward(8_000);
      expect(await status.textContent()).toContain('Still signing in');
      await page.clock.fastForward(51_000);
      expect(await status.textContent()).toContain('Still signing in');
      await page.clock.fastForward(1_000);
      expect(await status.textContent()).toBe('OnlyFans has not answered for a long time. Reload the page to see where the sign-in stands.');
      // Still busy: a second press does not post the password again.
      expect(await page.locator('form[data-busy-form]').getAttribute('data-busy')).toBe('1');
    } finally {
      await page.close();
    }
  });

  it('a text-message (creator-sms) or email (creator-email) 2FA account can ask for a new code and is told one was sent; an authenticator-app account is offered neither', async () => {
    const page = await context.newPage();
    const codeRequests = async () => {
      const log = await call<{ list: Array<{ method: string; url: string }> }>(t.sandboxUrl, 'GET', '/_sandbox/requests');
      return log.body.list.filter((r) => r.method === 'GET' && r.url.startsWith('/api2/v2/users/otp/code')).length;
    };
    const toCodePage = async (scenario: string) => {
      await toLogin(page, await newLink());
      await page.getByLabel('Email').fill(uniqueEmail(scenario));
      await page.getByLabel('Password').fill('good-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Verification code', { exact: true }).waitFor();
    };
    try {
      await toCodePage('creator-sms');
      expect(await page.textContent('#code-help')).toBe('OnlyFans sent a code by text message to your phone ending in 0142.');
      const before = await codeRequests();
      await page.getByRole('button', { name: 'Send a new code' }).click();
      await page.getByRole('status').filter({ hasText: 'A new code is on its way.' }).waitFor();
      expect(await codeRequests()).toBe(before + 1);
      await page.getByLabel('Verification code', { exact: true }).fill('123456');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${callback}?status=success**`);

      await toCodePage('creator-email');
      expect(await page.textContent('#code-help')).toBe('OnlyFans sent a code to your email address.');
      const beforeEmail = await codeRequests();
      await page.getByRole('button', { name: 'Send a new code' }).click();
      await page.getByRole('status').filter({ hasText: 'A new code is on its way.' }).waitFor();
      expect(await codeRequests()).toBe(beforeEmail + 1);

      await toCodePage('creator-otp');
      expect(await page.textContent('#code-help')).toContain('authenticator app');
      expect(await page.getByRole('button', { name: 'Send a new code' }).count()).toBe(0);
      expect(await page.getByText('A new code is on its way.').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('"use another account" on an already-connected account restarts the sign-in instead of a dead end, in end-user words', async () => {
    const page = await context.newPage();
    const email = uniqueEmail('creator');
    try {
      // Connect the account once through the API (the whitelabel-style login), then try it again on the pages.
      const first = (await newLink()).split('/link/')[1].split('?')[0];
      const connected = await call(t.url, 'POST', `/v2/link/${first}/login`, { key: orgKey, body: { email, password: 'good-password' } });
      expect(connected.body.status, JSON.stringify(connected.body)).toBe('completed');

      await toLogin(page, await newLink());
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('good-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Already connected' }).waitFor({ timeout: 20_000 });
      const main = await page.textContent('main');
      expect(main).toContain('This OnlyFans account is already connected to Plain CRM');
      expect(main).not.toMatch(/existing connection|Reconnect the/);
      await page.getByRole('button', { name: 'Use another account' }).click();
      await page.getByLabel('Email').waitFor();
      expect(await page.getByLabel('Email').inputValue()).toBe('');
      expect(await page.locator('ol.steps [aria-current=step]').textContent()).toContain('Sign in');
      await page.getByLabel('Email').fill(uniqueEmail('creator'));
      await page.getByLabel('Password').fill('good-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${callback}?status=success**`, { timeout: 20_000 });
    } finally {
      await page.close();
    }
  }, 60_000);

  it('the language comes from init\'s locale (kept through the flow), else from Accept-Language; <html lang> says which', async () => {
    const page = await context.newPage();
    try {
      const url = await newLink({ locale: 'es-MX' });
      expect(url).toMatch(/\?locale=es$/);
      await page.goto(url);
      expect(await page.getAttribute('html', 'lang')).toBe('es');
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Conecta tu cuenta de OnlyFans');
      await page.getByRole('link', { name: 'Continuar' }).click();
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Inicia sesión en OnlyFans');
      expect(await page.textContent('#password-note')).toContain('No se guarda');
    } finally {
      await page.close();
    }
    const german = await browser.newContext({ locale: 'de-DE' });
    try {
      const page2 = await german.newPage();
      await page2.goto(await newLink());
      expect(await page2.getAttribute('html', 'lang')).toBe('de');
      await expect(page2.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('OnlyFans-Konto verbinden');
    } finally {
      await german.close();
    }
    const refused = await call(t.url, 'POST', '/v2/link/init', { key: orgKey, body: { clientAppId: plainAppId, locale: 'xx' } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('locale');
  });

  it('on a 390×844 phone the primary button of every step is inside the viewport, even with all eighteen permissions listed', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      const page = await phone.newPage();
      const inView = async (name: string) => {
        const box = (await page.getByRole(name === 'Continue' ? 'link' : 'button', { name }).boundingBox())!;
        expect(box, name).not.toBeNull();
        expect(box.y, name).toBeGreaterThanOrEqual(0);
        expect(box.y + box.height, name).toBeLessThanOrEqual(844);
      };
      await page.goto(await newLink());
      expect(await page.locator('ul.perms li').count()).toBe(18);
      await inView('Continue');
      await page.getByRole('link', { name: 'Continue' }).click();
      await page.getByLabel('Email').waitFor();
      await inView('Sign in');
      await page.getByLabel('Email').fill(uniqueEmail('creator-otp'));
      await page.getByLabel('Password').fill('good-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Verification code', { exact: true }).waitFor();
      await inView('Verify');
    } finally {
      await phone.close();
    }
  });

  it('a branded first load, with the heaviest logo, stays under 30 KB and every request goes to this service', async () => {
    const fresh = await browser.newContext();
    try {
      const page = await fresh.newPage();
      const hosts = new Set<string>();
      // Each response's body as it arrives, summed once the page is idle (a listener adding to a total as bodies come
      // in was still adding when the total was read, and counted about half of the load).
      const sizes: Array<Promise<[string, number]>> = [];
      page.on('response', (response) => {
        const url = new URL(response.url());
        hosts.add(url.host);
        sizes.push(response.body().then((body) => [url.pathname, body.length] as [string, number]));
      });
      await page.goto(await newLink({ clientAppId: brandedAppId }), { waitUntil: 'networkidle' });
      const loaded = await Promise.all(sizes);
      expect([...hosts]).toEqual([new URL(t.url).host]);
      const paths = loaded.map(([path]) => path);
      for (const part of ['/link/assets/link.css', '/link/assets/link.js', new URL(brandedLogoUrl, t.url).pathname]) expect(paths).toContain(part);
      expect(paths.some((path) => path.startsWith('/link/brand/'))).toBe(true);
      const bytes = loaded.reduce((sum, [, size]) => sum + size, 0);
      console.log(`branded link page first load: ${bytes} bytes in ${loaded.length} responses (${loaded.map(([path, size]) => `${path.split('/').pop()} ${size}`).join(', ')})`);
      expect(bytes).toBeLessThan(30 * 1024);
    } finally {
      await fresh.close();
    }
  });
});
