// `ofconnect sandbox --data-dir`: the standalone simulator keeps its state in an embedded database there, so a
// session minted before a restart is still logged in after it, and what it wrote is still there.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli, type CliProcess, signalCli } from '../support/processes.ts';
import { SignedBrowser, mintedBrowser } from './signed-browser.ts';
import { makeTempDir } from '../support/test-run.ts';

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

describe('ofconnect sandbox --data-dir', () => {
  const dataDir = makeTempDir('sandbox-cli');
  let running: CliProcess | undefined;

  async function start(): Promise<string> {
    running = spawnCli(['sandbox', '--port', '0', '--data-dir', dataDir], {});
    return (await running.waitFor(LISTENING, 60_000))[1];
  }

  async function stop(): Promise<void> {
    if (running) signalCli(running, 'SIGTERM');
    await running?.exited;
    running = undefined;
  }

  afterAll(async () => {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a session and a write across a restart', async () => {
    const first = await start();
    const browser = await mintedBrowser(first, Date.now, 'cli-data-dir@creator.sandbox.com');
    expect((await browser.get('/api2/v2/users/me')).status).toBe(200);
    const created = await browser.post('/api2/v2/lists', { name: 'Kept across restarts' });
    expect(created.status).toBe(200);
    await stop();

    const second = await start();
    const again = new SignedBrowser(second, Date.now, browser.userAgent, browser.xBc);
    for (const [name, value] of browser.cookies) again.cookies.set(name, value);
    expect((await again.get('/api2/v2/users/me')).status).toBe(200);
    const lists = await again.get('/api2/v2/lists?limit=100');
    expect((lists.body as Array<{ name: string }>).map((l) => l.name)).toContain('Kept across restarts');
  }, 120_000);
});
