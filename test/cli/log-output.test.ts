// `ofconnect start` with stdout collected (a pipe, as under a supervisor or a container runtime): stdout is JSON lines
// only, which a log collector can parse, and the start banner (with the first key) goes to stderr.
import { describe, expect, it } from 'vitest';
import { call } from '../support/service.ts';
import { READY, SANDBOX_KEY, stopCli, trackCliRuns } from '../support/processes.ts';

/** A first start (migrations, bootstrap) took 50 s on this machine under load; the same budget as start.test.ts. */
const START_BUDGET_MS = 120_000;

const runs = trackCliRuns();

describe('ofconnect start: logs on stdout, the banner on stderr', () => {
  it('stdout is JSON lines (worker start and stop, a refused request with its code) and holds neither the banner nor the key; stderr has both', async () => {
    const proc = runs.spawn(['start'], { OFCONNECT_DATA_DIR: runs.freshDataDir('cli-logs'), PORT: '0', OFCONNECT_SANDBOX_PORT: '0', LOG_LEVEL: 'info' });
    const [, origin] = await proc.waitFor(READY, START_BUDGET_MS);
    const key = proc.stderr().match(SANDBOX_KEY)?.[0];
    expect(key, 'the first key, on stderr').toBeDefined();

    const refused = await call(origin, 'GET', '/v2/account/connections/conn_missing', { key });
    expect(refused.status).toBe(404);
    await proc.waitFor(/request refused/, 30_000);
    expect(await stopCli(proc)).toBe(0);

    const lines = proc.stdout().split('\n').filter(Boolean);
    const parsed = lines.map((line) => JSON.parse(line) as { level: number; msg: string; [field: string]: unknown });
    const messages = parsed.map((line) => line.msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'worker started: webhook-delivery',
        'worker started: monitor',
        'worker stopped: webhook-delivery',
        'worker stopped: monitor',
      ]),
    );
    expect(parsed.find((line) => line.reqId === refused.headers['x-request-id'])).toMatchObject({ level: 30, status: 404, code: 'RESOURCE_NOT_FOUND' });
    expect(proc.stdout()).not.toContain('ofconnect is ready');
    expect(proc.stdout()).not.toContain(key!);
    expect(proc.stderr()).toMatch(READY);
  });
});
