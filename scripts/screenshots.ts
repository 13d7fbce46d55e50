// `npm run screenshots -- [--out DIR] [--backend pglite|postgres]`: screenshots of every hosted Link page, light and
// dark, desktop and phone, from a fresh service in headless Chromium (test/support/browser.ts), for reviewing the
// Link and dashboard pages by eye. Not part of `npm test`: it asserts nothing and takes half a minute.
import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../src/platform/clock.ts';
import { launchBrowser } from '../test/support/browser.ts';
import type { Backend } from '../test/support/databases.ts';
import { call, startTestService, type TestService } from '../test/support/service.ts';

const options = new Command()
  .option('--out <dir>', 'where the PNG files go', 'test-results/link-screenshots')
  .option('--backend <name>', 'pglite or postgres', 'pglite')
  .parse()
  .opts<{ out: string; backend: Backend }>();

const VIEWPORTS = { desktop: { width: 1100, height: 820 }, phone: { width: 390, height: 780 } };
let emailSeq = 0;
const uniqueEmail = (scenario: string) => `shot${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;

/** One Link session per page state, brought there through the JSON API; returns each page's URL by name. */
async function pagesToShoot(t: TestService, newLink: () => Promise<string>): Promise<Record<string, string>> {
  const secretOf = (url: string) => url.split('/link/')[1];
  const api = (url: string, action: string, body: unknown) => call(t.url, 'POST', `/v2/link/${secretOf(url)}/${action}`, { key: t.adminKey, body });
  const consent = await newLink();
  const credentialsError = await newLink();
  await api(credentialsError, 'login', { email: uniqueEmail('creator'), password: 'nope' });
  const twoFactor = await newLink();
  await api(twoFactor, 'login', { email: uniqueEmail('creator-otp'), password: 'good-password' });
  const twoFactorError = await newLink();
  await api(twoFactorError, 'login', { email: uniqueEmail('creator-otp'), password: 'good-password' });
  await api(twoFactorError, '2fa', { code: '000000' });
  const locked = await newLink();
  await api(locked, 'login', { email: uniqueEmail('faceid'), password: 'good-password' });
  const success = await newLink();
  await api(success, 'login', { email: uniqueEmail('creator'), password: 'good-password' });
  return {
    consent,
    credentials: `${consent}?screen=login`,
    'credentials-error': credentialsError,
    '2fa': twoFactor,
    '2fa-error': twoFactorError,
    'failure-security-check': locked,
    success,
    'not-found': `${t.url}/link/cs_doesnotexist`,
    'dev-callback': `${t.url}/link/dev-callback?status=success&connection_id=conn_example&client_reference_id=user_42`,
  };
}

const out = path.resolve(options.out);
mkdirSync(out, { recursive: true });
const clock = new ManualClock(Date.now());
const t = await startTestService(options.backend, { clock });
const browser = await launchBrowser();
let written = 0;
try {
  const app = await call(t.url, 'POST', '/v2/client-apps', {
    key: t.adminKey,
    body: {
      name: 'Acme Inbox',
      integrationType: 'redirect',
      redirectUris: ['http://127.0.0.1:9/callback'],
      permissions: ['profile:read', 'messages:read', 'messages:write', 'earnings:read'],
      profile: { description: 'The CRM for creator teams.' },
    },
  });
  if (app.status !== 201) throw new Error(`creating the client app: ${app.status} ${JSON.stringify(app.body)}`);
  const newLink = async () => (await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { clientAppId: app.body.id } })).body.url as string;
  const shots = await pagesToShoot(t, newLink);
  for (const scheme of ['light', 'dark'] as const) {
    for (const [device, viewport] of Object.entries(VIEWPORTS)) {
      const context = await browser.newContext({ colorScheme: scheme, viewport, deviceScaleFactor: device === 'phone' ? 2 : 1, isMobile: device === 'phone' });
      const page = await context.newPage();
      for (const [name, url] of Object.entries(shots)) {
        await page.goto(url);
        await page.screenshot({ path: path.join(out, `${name}-${scheme}-${device}.png`), fullPage: true });
        written++;
      }
      await context.close();
    }
  }
  // theme= overrides the browser's preference (the embed passes it); an expired session has its own page.
  const context = await browser.newContext({ colorScheme: 'light' });
  const page = await context.newPage();
  await page.goto(`${shots.consent}?theme=dark`);
  await page.screenshot({ path: path.join(out, 'consent-theme-param-dark.png') });
  const expired = await newLink();
  clock.advance(31 * 60_000);
  await page.goto(expired);
  await page.screenshot({ path: path.join(out, 'expired-light-desktop.png'), fullPage: true });
  written += 2;
  await context.close();
} finally {
  await browser.close();
  await t.close();
}
console.log(`${written} screenshots in ${path.relative(process.cwd(), out) || out}`);
