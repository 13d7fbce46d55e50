// One headless Chromium per test file (Debian's /usr/bin/chromium: playwright cannot download browsers here).
import { chromium, type Browser } from 'playwright-core';
import { childMarker } from './test-run.ts';

export const CHROMIUM_PATH = process.env.OFCONNECT_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Marks Chromium and its helper processes as this run's for the end-of-run leak check.
    env: { ...process.env, ...childMarker() },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-quic',
      '--disable-sync',
    ],
  });
}
