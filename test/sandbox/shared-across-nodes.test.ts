// The README's multi-node topology on one PostgreSQL: two `--role api` processes and one `--role worker`, each with
// its own in-process simulator and no sandbox setting at all. They serve one sandbox: a session minted on one node is
// accepted by the others, a Link login started on one finishes its 2FA on the other, the worker's monitor checks a
// Link connection against its own simulator and keeps it active, and expiring the session through any node's
// control API makes the monitor flip the connection exactly once.
import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVaultKeySpec } from '../../src/platform/vault.ts';
import { BACKENDS, createPostgresDatabaseUrl } from '../support/databases.ts';
import { eventTypes } from '../support/events.ts';
import { eventually } from '../support/eventually.ts';
import { READY, spawnCli, type CliProcess, signalCli } from '../support/processes.ts';
import { TEST_USER_AGENT } from '../support/sandbox.ts';
import { call } from '../support/service.ts';
import { makeTempDir } from '../support/test-run.ts';

const FIRST_KEY = /\b(sk_sandbox_[A-Za-z0-9_]+)/;

describe.runIf(BACKENDS.includes('postgres'))('one sandbox across two API nodes and a worker (PostgreSQL, child processes)', () => {
  let database: { url: string; drop(): Promise<void> };
  let admin: pg.Client;
  const processes: CliProcess[] = [];
  const dataDirs: string[] = [];
  let nodeA: string;
  let nodeB: string;
  let key: string;

  function startNode(role: 'api' | 'worker'): CliProcess {
    const dataDir = makeTempDir('nodes');
    dataDirs.push(dataDir);
    const proc = spawnCli(['start', '--role', role], {
      DATABASE_URL: database.url,
      OFCONNECT_VAULT_KEYS: vaultKeys,
      OFCONNECT_DATA_DIR: dataDir,
      PORT: '0',
    });
    processes.push(proc);
    return proc;
  }
  const vaultKeys = generateVaultKeySpec('nodes1');

  beforeAll(async () => {
    database = await createPostgresDatabaseUrl();
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    // The first node migrates and bootstraps (printing the first key); the others start on what it made.
    const first = startNode('api');
    nodeA = (await first.waitFor(READY, 60_000))[1];
    key = (await first.waitFor(FIRST_KEY, 10_000))[1];
    const second = startNode('api');
    const worker = startNode('worker');
    nodeB = (await second.waitFor(READY, 60_000))[1];
    await worker.waitFor(READY, 60_000);
  }, 120_000);

  afterAll(async () => {
    for (const proc of processes) {
      signalCli(proc, 'SIGTERM');
      await proc.exited;
    }
    await admin?.end();
    await database?.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const api = (node: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) =>
    call(node, method, route, { key, body, headers });

  async function connectionRow(id: string): Promise<{ status: string; last_checked_at: Date | null }> {
    const result = await admin.query('select status, last_checked_at from connections where id = $1', [id]);
    return result.rows[0];
  }
  const makeDue = (id: string) => admin.query('update connections set next_check_at = now() where id = $1', [id]);

  it('a session minted through node A is imported there and answers Access calls on node B with the same data', async () => {
    const minted = await api(nodeA, 'POST', '/_sandbox/sessions', { email: 'nodes-import@creator.sandbox.com', userAgent: TEST_USER_AGENT });
    expect(minted.status).toBe(200);
    const imported = await api(nodeA, 'POST', '/v2/account/connections/import', { cookie: minted.body.cookie, userAgent: minted.body.userAgent });
    expect(imported.status).toBe(201);
    const connectionId = imported.body.id;

    const onB = await api(nodeB, 'GET', '/v2/access/self', undefined, { 'x-connection-id': connectionId });
    expect(onB.status).toBe(200);
    const onA = await api(nodeA, 'GET', '/v2/access/self', undefined, { 'x-connection-id': connectionId });
    expect(onA.status).toBe(200);
    expect(onB.body).toEqual(onA.body);
    expect(Number(onB.body.id)).toBe(Number(minted.body.userId));
  }, 60_000);

  it('a Link login started on node A finishes its 2FA on node B; the worker checks it and keeps it active; expiring it through node B flips it once', async () => {
    const app = await api(nodeA, 'POST', '/v2/client-apps', { name: 'Nodes CRM', integrationType: 'whitelabel', returnsRawSession: false });
    expect(app.status).toBe(201);
    const secret = (await api(nodeA, 'POST', '/v2/link/init', { clientAppId: app.body.id })).body.clientSecret;
    const waiting = await api(nodeA, 'POST', `/v2/link/${secret}/login`, { email: 'nodes-link@creator-otp.sandbox.com', password: 'good-password' });
    expect(waiting.body.status).toBe('awaiting_2fa');
    const completed = await api(nodeB, 'POST', `/v2/link/${secret}/2fa`, { code: '123456' });
    expect(completed.body.status).toBe('completed');
    const connectionId: string = completed.body.data.id;
    const userId = completed.body.data.userData.id;

    // The worker's own simulator knows the session B's simulator finished: its check passes.
    await makeDue(connectionId);
    const checked = await eventually(async () => {
      const row = await connectionRow(connectionId);
      return row.last_checked_at ? row : null;
    }, { timeoutMs: 30_000, what: 'the worker checking the Link connection' });
    expect(checked.status).toBe('active');

    const expired = await api(nodeB, 'POST', '/_sandbox/sessions/expire', { userId });
    expect(expired.body.expired).toBeGreaterThan(0);
    await makeDue(connectionId);
    await eventually(async () => (await connectionRow(connectionId)).status === 'expired', { timeoutMs: 30_000, what: 'the monitor expiring the connection' });
    // One connection.expired, although every node's simulator saw the expiry.
    const events = await eventTypes(nodeA, key, { connectionId });
    expect(events.filter((type) => type === 'connection.expired')).toHaveLength(1);
    expect(events.filter((type) => type === 'connection.created')).toHaveLength(1);
  }, 120_000);
});
