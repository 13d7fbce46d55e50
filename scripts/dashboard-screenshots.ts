// `node bin/run-ts.js scripts/dashboard-screenshots.ts [--out DIR] [--backend pglite|postgres]`: screenshots of every
// dashboard page (and the sign-in page), light and dark, desktop and phone, from a fresh service seeded through the
// public API (test/dashboard/seed.ts), in headless Chromium. Not part of `npm test`: it asserts nothing.
import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchBrowser } from '../test/support/browser.ts';
import type { Backend } from '../test/support/databases.ts';
import { call, startTestService } from '../test/support/service.ts';
import { startReceiver } from '../test/webhooks/receiver.ts';
import { dashboardStops, seedOrg } from '../test/dashboard/seed.ts';

const options = new Command()
  .option('--out <dir>', 'where the PNG files go', 'test-results/dashboard-screenshots')
  .option('--backend <name>', 'pglite or postgres', 'pglite')
  .parse()
  .opts<{ out: string; backend: Backend }>();

const VIEWPORTS = { desktop: { width: 1200, height: 860 }, phone: { width: 390, height: 844 } };

const out = path.resolve(options.out);
mkdirSync(out, { recursive: true });
const t = await startTestService(options.backend);
const receiver = await startReceiver();
const browser = await launchBrowser();
let written = 0;
try {
  const seeded = await seedOrg(t, t.adminKey, receiver, 'alpha');
  const adminKeyId = (await call(t.url, 'GET', '/v2/api-keys', { key: t.adminKey })).body.list[0].id as string;
  const stops = dashboardStops(seeded, adminKeyId);
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const [device, viewport] of Object.entries(VIEWPORTS)) {
      const context = await browser.newContext({ colorScheme, viewport, deviceScaleFactor: device === 'phone' ? 2 : 1, isMobile: device === 'phone' });
      const page = await context.newPage();
      await page.goto(`${t.url}/dashboard`);
      await page.getByLabel('Admin API key').waitFor();
      await page.screenshot({ path: path.join(out, `sign-in-${colorScheme}-${device}.png`), fullPage: true });
      written++;
      await page.getByLabel('Admin API key').fill(t.adminKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
      for (const stop of stops) {
        await page.goto(`${t.url}${stop.path}`);
        await page.getByRole('heading', { level: 1, name: stop.heading }).waitFor();
        await page.waitForFunction(() => document.querySelector('.state') === null, undefined, { timeout: 15_000 });
        await page.screenshot({ path: path.join(out, `${stop.name}-${colorScheme}-${device}.png`), fullPage: true });
        written++;
      }
      await context.close();
    }
  }
  console.log(`${written} screenshots in ${out}`);
} finally {
  await browser.close();
  await receiver.close();
  await t.close();
}
