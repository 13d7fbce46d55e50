// `ofconnect start` with stdout collected (a pipe, as under a supervisor or a container runtime): stdout is JSON lines
// only, which a log collector can parse, and the start banner (with the first key) goes to stderr.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { call } from '../support/service.ts';
import { spawnCli, stopCli, type CliProcess } from '../support/processes.ts';
import { makeTempDir } from '../support/test-run.ts';

const READY = /ofconnect is ready on (http:\/\/127\.0\.0\.1:\d+)/;
const KEY = /sk_sandbox_[A-Za-z0-9]{40}/;
/** A first start (migrations, bootstrap) took 50 s on this machine under load; the same budget as start.test.ts. */
const START_BUDGET_MS = 120_000;

const processes: CliProcess[] = [];
const dataDirs: string[] = [];
afterEach(async () => {
  await Promise.all(processes.splice(0).map((proc) => stopCli(proc, 'SIGKILL')));
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('ofconnect start: logs on stdout, the banner on stderr', () => {
  it('stdout is JSON lines (worker start and stop, a refused request with its code) and holds neither the banner nor the key; stderr has both', async () => {
    const dataDir = makeTempDir('cli-logs');
    dataDirs.push(dataDir);
    const proc = spawnCli(['start'], { OFCONNECT_DATA_DIR: dataDir, PORT: '0', OFCONNECT_SANDBOX_PORT: '0', LOG_LEVEL: 'info' });
    processes.push(proc);
    const [, origin] = await proc.waitFor(READY, START_BUDGET_MS);
    const key = proc.stderr().match(KEY)?.[0];
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
