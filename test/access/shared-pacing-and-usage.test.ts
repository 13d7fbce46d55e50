import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { generateVaultKeySpec } from '../../src/platform/vault.ts';
import { startService, type RunningService } from '../../src/service.ts';
import { BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { access, importConnection } from './access-fixture.ts';
import { makeTempDir, removeTempDir } from '../support/test-run.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const VAULT_KEYS = generateVaultKeySpec('shared');

/** A second node on the first one's database, simulator and Redis (as `--role api` behind a balancer would be). */
async function startSecondNode(first: TestService, dataDir: string): Promise<RunningService> {
  const config = loadConfig(
    {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      vaultKeys: VAULT_KEYS,
      logLevel: 'warn',
      redisUrl: REDIS_URL,
      sandboxUrl: first.sandboxUrl,
    },
    {},
  );
  return startService({ config, database: first.database.handle, skipBootstrap: true, logger: createLogger('warn') });
}

describe.each(BACKENDS)('access: pacing shared through Redis, usage metering (%s)', (backend) => {
  let a: TestService;
  let b: RunningService;
  const secondDataDir = makeTempDir('second-node');
  beforeAll(async () => {
    a = await startTestService(backend, { config: { redisUrl: REDIS_URL, vaultKeys: VAULT_KEYS } });
    b = await startSecondNode(a, secondDataDir);
  });
  afterAll(async () => {
    try {
      await b?.close();
    } finally {
      await a?.close();
      removeTempDir(secondDataDir);
    }
  });

  it('two nodes on one database and one Redis spend one bucket per connection', async () => {
    expect(a.service.ctx.rateLimiters.backend).toBe('redis');
    expect(b.ctx.rateLimiters.backend).toBe('redis');
    const conn = await importConnection(a);
    const set = await call(a.url, 'PATCH', `/v2/account/connections/${conn.id}/settings`, {
      key: a.adminKey,
      body: { pacing: { requestsPerMinute: 1, burst: 4, concurrency: 2 } },
    });
    expect(set.status).toBe(200);
    const statuses: number[] = [];
    const remaining: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      const node = i % 2 === 0 ? a.url : b.url;
      const res = await call(node, 'GET', '/v2/access/self', { key: a.adminKey, headers: { 'x-connection-id': conn.id } });
      statuses.push(res.status);
      remaining.push(res.headers['x-ratelimit-remaining']);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(remaining.slice(0, 4)).toEqual(['3', '2', '1', '0']);
  });

  it('usage: requests per connection and day, from both nodes, without a write per request', async () => {
    // Its own org: the report is per org, so the totals count this test's traffic only.
    const orgId = await createOrg(a.database.handle, 'Usage org');
    const key = (await createKey(a.database.handle, orgId)).secret;
    const first = await importConnection(a, { key });
    const second = await importConnection(a, { key });
    for (let i = 0; i < 3; i++) expect((await access(a, first.id, 'GET', '/v2/access/self', { key })).status).toBe(200);
    // A node of its own, which the test stops to flush its counts: the file's node B stays up for the other tests,
    // whatever order they run in.
    const countingDir = makeTempDir('counting-node');
    try {
      const counting = await startSecondNode(a, countingDir);
      try {
        for (let i = 0; i < 2; i++) {
          const res = await call(counting.url, 'GET', '/v2/access/proxy/users/me', { key, headers: { 'x-connection-id': second.id } });
          expect(res.status).toBe(200);
        }
      } finally {
        // It writes its counts in its next batch; shutdown flushes them as its timer would.
        await counting.close();
      }
    } finally {
      removeTempDir(countingDir);
    }
    // Refused before pacing: not counted.
    await access(a, null, 'GET', '/v2/access/self', { key });

    const today = new Date().toISOString().slice(0, 10);
    const report = await call(a.url, 'GET', `/v2/account/usage?from=${today}&to=${today}`, { key });
    expect(report.status).toBe(200);
    expect(report.body.list).toEqual(
      expect.arrayContaining([
        { connectionId: first.id, day: today, requests: 3 },
        { connectionId: second.id, day: today, requests: 2 },
      ]),
    );
    expect(report.body.list).toHaveLength(2);
    expect(report.body.totalRequests).toBe(5);
    // The billing signal counts live Link connections only: these are sandbox imports, so the month bills none.
    expect(report.body.billing).toEqual([{ month: today.slice(0, 7), billableConnections: 0 }]);
    const quarter = await call(a.url, 'GET', '/v2/account/usage?from=2026-01-15&to=2026-03-02', { key });
    expect(quarter.body.billing.map((b: { month: string }) => b.month)).toEqual(['2026-01', '2026-02', '2026-03']);

    const one = await call(a.url, 'GET', `/v2/account/usage?connectionId=${first.id}`, { key });
    expect(one.body.list).toEqual([{ connectionId: first.id, day: today, requests: 3 }]);

    const more = await access(a, first.id, 'GET', '/v2/access/self', { key });
    expect(more.status).toBe(200);
    const again = await call(a.url, 'GET', `/v2/account/usage?connectionId=${first.id}`, { key });
    expect(again.body.list[0].requests).toBe(4);
  });

  it('usage: a reversed range is a 400; the route needs the account scope', async () => {
    const reversed = await call(a.url, 'GET', '/v2/account/usage?from=2026-02-02&to=2026-01-01', { key: a.adminKey });
    expect(reversed.status).toBe(400);
    expect(reversed.body.details.field).toBe('from');
    const noKey = await call(a.url, 'GET', '/v2/account/usage');
    expect(noKey.status).toBe(401);
  });
});
