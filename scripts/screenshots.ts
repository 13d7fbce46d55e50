// `npm run screenshots -- [--out DIR] [--backend pglite|postgres]`: screenshots of every hosted Link page, light and
// dark, desktop and phone (390×844), in English and Spanish, for a branded client app (logo, colour, display name,
// privacy and terms links), from a fresh service in headless Chromium (test/support/browser.ts), for reviewing the
// Link pages by eye. Not part of `npm test`: it asserts nothing and takes a minute or two.
import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ManualClock } from '../src/platform/clock.ts';
import { launchBrowser } from '../test/support/browser.ts';
import type { Backend } from '../test/support/databases.ts';
import { call, startTestService, type TestService } from '../test/support/service.ts';

const options = new Command()
  .option('--out <dir>', 'where the PNG files go', 'test-results/link-screenshots')
  .option('--backend <name>', 'pglite or postgres', 'pglite')
  .parse()
  .opts<{ out: string; backend: Backend }>();

const VIEWPORTS = { desktop: { width: 1100, height: 820 }, phone: { width: 390, height: 844 } };
const LANGUAGES = ['en', 'es'] as const;
let emailSeq = 0;
const uniqueEmail = (scenario: string) => `shot${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;

function withQuery(url: string, extra: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(extra)) parsed.searchParams.set(key, value);
  return parsed.href;
}

/** One Link session per page state, brought there through the JSON API; returns each page's URL by name. */
async function pagesToShoot(t: TestService, newLink: () => Promise<string>): Promise<Record<string, string>> {
  const secretOf = (url: string) => new URL(url).pathname.split('/link/')[1];
  const api = (url: string, action: string, body: unknown) => call(t.url, 'POST', `/v2/link/${secretOf(url)}/${action}`, { key: t.adminKey, body });
  const consent = await newLink();
  const credentialsError = await newLink();
  await api(credentialsError, 'login', { email: uniqueEmail('creator'), password: 'nope' });
  const twoFactor = await newLink();
  await api(twoFactor, 'login', { email: uniqueEmail('creator-otp'), password: 'good-password' });
  const twoFactorError = await newLink();
  await api(twoFactorError, 'login', { email: uniqueEmail('creator-otp'), password: 'good-password' });
  await api(twoFactorError, '2fa', { code: '000000' });
  const faceId = await newLink();
  await api(faceId, 'login', { email: uniqueEmail('faceid'), password: 'good-password' });
  const connectedEmail = uniqueEmail('creator');
  const success = await newLink();
  await api(success, 'login', { email: connectedEmail, password: 'good-password' });
  const alreadyConnected = await newLink();
  await api(alreadyConnected, 'login', { email: connectedEmail, password: 'good-password' });
  return {
    '1-consent': consent,
    '2-sign-in': withQuery(consent, { screen: 'login' }),
    '2-sign-in-error': credentialsError,
    '3-verify': twoFactor,
    '3-verify-error': twoFactorError,
    '4-connected': success,
    'failure-security-check': faceId,
    'failure-already-connected': alreadyConnected,
    'not-found': `${t.url}/link/cs_doesnotexist`,
  };
}

const out = path.resolve(options.out);
mkdirSync(out, { recursive: true });
const clock = new ManualClock(Date.now());
const t = await startTestService(options.backend, { clock });
const browser = await launchBrowser();
let written = 0;
try {
  const logo = await sharp({
    create: { width: 256, height: 256, channels: 4, background: { r: 255, g: 90, b: 31, alpha: 1 } },
  })
    .composite([{ input: Buffer.from('<svg width="256" height="256"><circle cx="128" cy="128" r="70" fill="#fff"/></svg>'), top: 0, left: 0 }])
    .png()
    .toBuffer();
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
  if (app.status !== 201) throw new Error(`creating the client app: ${app.status} ${JSON.stringify(app.body)}`);
  const newLink = async () => (await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { clientAppId: app.body.id } })).body.url as string;
  const shots = await pagesToShoot(t, newLink);
  for (const locale of LANGUAGES) {
    for (const scheme of ['light', 'dark'] as const) {
      for (const [device, viewport] of Object.entries(VIEWPORTS)) {
        const context = await browser.newContext({ colorScheme: scheme, viewport, deviceScaleFactor: device === 'phone' ? 2 : 1, isMobile: device === 'phone' });
        const page = await context.newPage();
        for (const [name, url] of Object.entries(shots)) {
          await page.goto(withQuery(url, { locale }));
          await page.screenshot({ path: path.join(out, `${name}-${locale}-${scheme}-${device}.png`), fullPage: true });
          written++;
        }
        await context.close();
      }
    }
  }
  // The sign-in in progress (a slow upstream holds the session pending), and an expired session.
  await call(t.sandboxUrl, 'POST', '/_sandbox/faults', { body: { kind: 'latency', count: 1, latencyMs: 30_000, pathPrefix: '/api2/v2/users/login' } });
  const slow = await newLink();
  const login = call(t.url, 'POST', `/v2/link/${new URL(slow).pathname.split('/link/')[1]}/login`, { key: t.adminKey, body: { email: uniqueEmail('creator'), password: 'good-password' } });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  for (const locale of LANGUAGES) {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ colorScheme: scheme, viewport: VIEWPORTS.phone, deviceScaleFactor: 2, isMobile: true });
      const page = await context.newPage();
      await page.goto(withQuery(slow, { locale }));
      await page.screenshot({ path: path.join(out, `2-signing-in-${locale}-${scheme}-phone.png`), fullPage: true });
      written++;
      await context.close();
    }
  }
  await login;
  const context = await browser.newContext({ colorScheme: 'light' });
  const page = await context.newPage();
  const expired = await newLink();
  clock.advance(31 * 60_000);
  await page.goto(expired);
  await page.screenshot({ path: path.join(out, 'expired-en-light-desktop.png'), fullPage: true });
  written++;
  await context.close();
} finally {
  await browser.close();
  await t.close();
}
console.log(`${written} screenshots in ${path.relative(process.cwd(), out) || out}`);
