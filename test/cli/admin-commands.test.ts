// The operator's commands on a stopped embedded database and on PostgreSQL: keys list|revoke, orgs list,
// connections list|show, their --json, the refusal while an embedded node holds the data directory, --version and
// help that states each default once. The CLI is a separate process: each run costs a second or more, so one test
// runs several commands on the data it seeded.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertConnection, upsertSessionBlob } from '../../src/connections/store.ts';
import { newId } from '../../src/platform/ids.ts';
import { BACKENDS } from '../support/databases.ts';
import { createCliDatabase, type CliDatabase } from '../support/cli-databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { eventually } from '../support/eventually.ts';
import { REPO_ROOT, runCli } from '../support/processes.ts';
import { call, startTestService } from '../support/service.ts';

/** A CLI process on a loaded machine: opening the embedded database has taken over 10 s here. */
const RUN_BUDGET_MS = 60_000;
const SESSION_MARKER = 'sess=secret-session-cookie-of-the-test';

interface Seeded {
  orgA: string;
  orgB: string;
  sandboxKey: { id: string; secret: string };
  liveKey: { id: string; secret: string };
  otherOrgKey: { id: string; secret: string };
  /** The revoke tests' key, in an org of its own: the other tests count active keys, in any order. */
  orgC: string;
  revocable: { id: string; secret: string };
  active: string;
  expired: string;
  pending: string;
  otherOrgConnection: string;
}

async function seed(cli: CliDatabase): Promise<Seeded> {
  const database = await cli.open();
  try {
    const orgA = await createOrg(database, 'Agency A');
    const orgB = await createOrg(database, 'Agency B');
    const sandboxKey = await createKey(database, orgA, 'sandbox', ['account', 'link']);
    const liveKey = await createKey(database, orgA, 'live');
    const otherOrgKey = await createKey(database, orgB, 'sandbox');
    const orgC = await createOrg(database, 'Agency C');
    const revocable = await createKey(database, orgC, 'sandbox');
    const connection = async (orgId: string, status: string, username: string, createdAt: Date) => {
      const id = newId('connection');
      await insertConnection(database.db, {
        id,
        orgId,
        environment: 'sandbox',
        status,
        platformUserId: `u${createdAt.getTime()}`,
        userData: { id: `u${createdAt.getTime()}`, name: username, username, avatar: null },
        permissions: ['profile:read'],
        imported: true,
        settings: { proxy: { urlBlob: 'v1.k1.proxy-blob-of-the-test', country: 'US' } },
        createdAt,
        updatedAt: createdAt,
      });
      await upsertSessionBlob(database.db, { connectionId: id, orgId, keyId: 'k1', blob: SESSION_MARKER, updatedAt: createdAt });
      return id;
    };
    const active = await connection(orgA, 'active', 'alice', new Date('2026-01-01T00:00:00Z'));
    const expired = await connection(orgA, 'expired', 'bob', new Date('2026-01-02T00:00:00Z'));
    const pending = await connection(orgA, 'pending', 'carol', new Date('2026-01-03T00:00:00Z'));
    const otherOrgConnection = await connection(orgB, 'active', 'dave', new Date('2026-01-04T00:00:00Z'));
    return { orgA, orgB, sandboxKey, liveKey, otherOrgKey, orgC, revocable, active, expired, pending, otherOrgConnection };
  } finally {
    await database.close();
  }
}

/** Runs a command and parses its JSON (the run must succeed). */
async function runJson<T = any>(args: string[], env: Record<string, string>): Promise<T> {
  const run = await runCli([...args, '--json'], env);
  expect(run.code, run.output).toBe(0);
  return JSON.parse(run.output) as T;
}

// The commands' SQL is the same on both databases (PGlite is PostgreSQL), and every embedded run opens PGlite again
// (2–10 s a process): the full set of views runs on PostgreSQL when the run has it, and the embedded database gets
// the cases that are its own — reading and writing a stopped data directory, and the refusal while a node holds it.
const VIEWS_BACKEND = BACKENDS.includes('postgres') ? 'postgres' : BACKENDS[0];

describe.each(BACKENDS)('operator commands on %s', (backend) => {
  let cli: CliDatabase;
  let seeded: Seeded;
  beforeAll(async () => {
    cli = await createCliDatabase(backend, 'cli-admin');
    seeded = await seed(cli);
  });
  afterAll(async () => {
    await cli?.remove();
  });

  it.runIf(backend === VIEWS_BACKEND)('orgs list and keys list show every org and key with their fields, never a secret or hash; --org and --env filter', async () => {
    const orgs = await runCli(['orgs', 'list'], cli.env);
    expect(orgs.code, orgs.output).toBe(0);
    expect(orgs.output).toMatch(/^ID\s+NAME\s+ACTIVE KEYS\s+CREATED$/m);
    expect(orgs.output).toMatch(new RegExp(`^${seeded.orgA}\\s+Agency A\\s+2\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ$`, 'm'));
    expect(orgs.output).toMatch(new RegExp(`^${seeded.orgB}\\s+Agency B\\s+1\\s`, 'm'));

    const keys = await runCli(['keys', 'list'], cli.env);
    expect(keys.code, keys.output).toBe(0);
    expect(keys.output).toMatch(/^ID\s+ORG\s+NAME\s+PREFIX\s+ENV\s+SCOPES\s+CREATED\s+LAST USED\s+REVOKED$/m);
    expect(keys.output).toMatch(new RegExp(`^${seeded.sandboxKey.id}\\s+${seeded.orgA}\\s+sandbox key\\s+sk_sandbox_\\w+…\\s+sandbox\\s+account,link\\s+\\S+ \\S+\\s+-\\s+-$`, 'm'));
    expect(keys.output).toContain(seeded.liveKey.id);
    expect(keys.output).toContain(seeded.otherOrgKey.id);
    for (const key of [seeded.sandboxKey, seeded.liveKey, seeded.otherOrgKey]) expect(keys.output).not.toContain(key.secret);

    const listed = await runJson<any[]>(['keys', 'list', '--org', seeded.orgA, '--env', 'live'], cli.env);
    expect(listed).toEqual([
      {
        id: seeded.liveKey.id,
        orgId: seeded.orgA,
        name: 'live key',
        environment: 'live',
        prefix: expect.stringMatching(/^sk_live_/),
        scopes: ['account', 'link', 'access', 'rules', 'admin'],
        createdAt: expect.any(String),
        lastUsedAt: null,
        revokedAt: null,
      },
    ]);
    expect(seeded.liveKey.secret.startsWith(listed[0].prefix)).toBe(true);
    expect(JSON.stringify(listed)).not.toMatch(/hash|secret/i);
  }, 3 * RUN_BUDGET_MS);

  it.runIf(backend === VIEWS_BACKEND)('keys revoke revokes by id (once: a second revoke says when), an unknown id exits 1, and the list shows the revocation', async () => {
    const revoked = await runCli(['keys', 'revoke', seeded.revocable.id], cli.env);
    expect(revoked.code, revoked.output).toBe(0);
    expect(revoked.output).toContain(`revoked API key ${seeded.revocable.id} (sandbox key, sandbox, org ${seeded.orgC}); requests with it now get 401`);

    const again = await runJson(['keys', 'revoke', seeded.revocable.id], cli.env);
    expect(again).toMatchObject({ id: seeded.revocable.id, orgId: seeded.orgC, revokedAt: expect.any(String), wasAlreadyRevoked: true });

    const unknown = await runCli(['keys', 'revoke', 'key_doesnotexist'], cli.env);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('ofconnect: API key key_doesnotexist not found');

    const database = await cli.open();
    try {
      const { findApiKeyAcrossOrgs } = await import('../../src/account/operator-store.ts');
      expect((await findApiKeyAcrossOrgs(database.db, seeded.revocable.id))?.revokedAt).toBeInstanceOf(Date);
      // The other keys are untouched.
      expect((await findApiKeyAcrossOrgs(database.db, seeded.sandboxKey.id))?.revokedAt).toBeNull();
      const { listAuditRows } = await import('../../src/account/store.ts');
      expect((await listAuditRows(database.db, seeded.orgC, 10)).filter((row) => row.action === 'api_key.revoked')).toEqual([
        expect.objectContaining({ actor: 'cli', target: seeded.revocable.id }),
      ]);
    } finally {
      await database.close();
    }
  }, 3 * RUN_BUDGET_MS);

  it.runIf(backend === VIEWS_BACKEND)('connections list shows the API-visible statuses of every org, newest first; --org and --status filter; show prints one without its session or proxy URL', async () => {
    const list = await runCli(['connections', 'list'], cli.env);
    expect(list.code, list.output).toBe(0);
    const ids = [seeded.otherOrgConnection, seeded.expired, seeded.active];
    expect(list.output.split('\n').filter((line) => line.startsWith('conn_')).map((line) => line.split(/\s+/)[0])).toEqual(ids);
    expect(list.output).toMatch(new RegExp(`^${seeded.expired}\\s+${seeded.orgA}\\s+sandbox\\s+expired\\s+@bob\\s+yes\\s`, 'm'));
    expect(list.output).not.toContain(seeded.pending);

    const all = await runJson<any[]>(['connections', 'list', '--org', seeded.orgA, '--status', 'all'], cli.env);
    expect(all.map((c) => c.id)).toEqual([seeded.pending, seeded.expired, seeded.active]);

    const show = await runCli(['connections', 'show', seeded.active], cli.env);
    expect(show.code, show.output).toBe(0);
    expect(show.output).toMatch(/^status:\s+active$/m);
    expect(show.output).toMatch(/^user:\s+u\d+ @alice \(alice\)$/m);
    expect(show.output).toMatch(/^proxy:\s+configured \(US\)$/m);
    const shown = await runJson(['connections', 'show', seeded.active], cli.env);
    expect(shown).toMatchObject({ id: seeded.active, orgId: seeded.orgA, status: 'active', imported: true, proxy: { isConfigured: true, country: 'US' } });
    for (const output of [list.output, show.output, JSON.stringify(all), JSON.stringify(shown)]) {
      expect(output).not.toContain(SESSION_MARKER);
      expect(output).not.toContain('proxy-blob-of-the-test');
    }

    const missing = await runCli(['connections', 'show', 'conn_doesnotexist'], cli.env);
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('ofconnect: connection conn_doesnotexist not found');
  }, 6 * RUN_BUDGET_MS);

  it.runIf(backend === 'pglite' && backend !== VIEWS_BACKEND)('on a stopped embedded data directory the views read every org and a revoke is written', async () => {
    const orgs = await runJson<any[]>(['orgs', 'list'], cli.env);
    expect(orgs.map((org) => org.id).sort()).toEqual([seeded.orgA, seeded.orgB, seeded.orgC].sort());
    const connections = await runJson<any[]>(['connections', 'list', '--org', seeded.orgA, '--status', 'all'], cli.env);
    expect(connections.map((c) => c.id)).toEqual([seeded.pending, seeded.expired, seeded.active]);
    expect(JSON.stringify(connections)).not.toContain(SESSION_MARKER);
    const revoked = await runJson(['keys', 'revoke', seeded.revocable.id], cli.env);
    expect(revoked).toMatchObject({ id: seeded.revocable.id, orgId: seeded.orgC, revokedAt: expect.any(String) });
    const database = await cli.open();
    try {
      const { findApiKeyAcrossOrgs } = await import('../../src/account/operator-store.ts');
      expect((await findApiKeyAcrossOrgs(database.db, seeded.revocable.id))?.revokedAt).toBeInstanceOf(Date);
    } finally {
      await database.close();
    }
  }, 3 * RUN_BUDGET_MS);

  it.runIf(backend === 'pglite')('while a node holds the embedded data directory the views refuse, saying to stop it or which API call to use', async () => {
    const release = cli.holdLikeARunningNode();
    try {
      const keys = await runCli(['keys', 'list'], cli.env);
      expect(keys.code).toBe(1);
      expect(keys.output).toContain(`is in use by process ${process.pid} (a running ofconnect). This command needs the embedded database to itself: stop that node`);
      expect(keys.output).toContain('GET /v2/api-keys with an admin key of the org');
    } finally {
      release();
    }
  }, RUN_BUDGET_MS);
});

describe.runIf(BACKENDS.includes('postgres'))('keys revoke beside a running node on PostgreSQL', () => {
  it('the node refuses the revoked key within seconds, though it had cached it as valid for 30 s (the revocation is broadcast)', async () => {
    const t = await startTestService('postgres');
    try {
      const key = await createKey(t.database.handle, t.orgId, 'sandbox');
      // Authenticated once: the node now answers this key from its cache.
      expect((await call(t.url, 'GET', '/v2/account/whoami', { key: key.secret })).status).toBe(200);
      const run = await runCli(['keys', 'revoke', key.id], { DATABASE_URL: t.database.url! });
      expect(run.code, run.output).toBe(0);
      // Well inside the cache's 30 s: only the broadcast can make the node look the key up again.
      await eventually(async () => (await call(t.url, 'GET', '/v2/account/whoami', { key: key.secret })).status === 401, {
        timeoutMs: 10_000,
        what: 'the revoked key refused',
      });
    } finally {
      await t.close();
    }
  }, RUN_BUDGET_MS * 2);
});

describe('the command line itself', () => {
  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const run = await runCli(['--version'], {});
    expect(run.code).toBe(0);
    expect(run.output.trim()).toBe(version);
  });

  it('help states each default once, including the defaults that come from the environment', async () => {
    const start = await runCli(['start', '--help'], {});
    const sandbox = await runCli(['sandbox', '--help'], {});
    const connections = await runCli(['connections', 'list', '--help'], {});
    for (const help of [start, sandbox, connections]) {
      expect(help.code).toBe(0);
      // Help wraps descriptions: an option's description runs until the next option line.
      const options = help.output.replace(/\n\s{10,}/g, ' ').split('\n').filter((line) => /^\s+-/.test(line));
      for (const line of options) expect(line.match(/default/g)?.length ?? 0, line).toBeLessThanOrEqual(1);
    }
    const flat = (text: string) => text.replace(/\s+/g, ' ');
    expect(flat(start.output)).toContain('--port <port> HTTP port (default: PORT, else 8080)');
    expect(flat(start.output)).toContain('(choices: "api", "worker", "all", default: OFCONNECT_ROLE, else all)');
    expect(flat(sandbox.output)).toContain('--port <port> port (default: 7070)');
    expect(flat(connections.output)).toContain('default: active, expired and awaiting_2fa, as the API lists)');
  }, 3 * RUN_BUDGET_MS);
});
