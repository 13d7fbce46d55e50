// The sandbox survives a restart of the service on the same database (issue 15): a connection imported before it
// stays active and answers with the same data, a message sent before it is still listed, and a rules rotation and
// an injected fault made through the control API are still in force. On PGlite the database is a data directory,
// closed and opened again like a real restart; on PostgreSQL a fresh database, reconnected.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { generateVaultKeySpec } from '../../src/platform/vault.ts';
import { startService, type RunningService } from '../../src/service.ts';
import { BACKENDS, createPostgresDatabaseUrl, type Backend } from '../support/databases.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { call } from '../support/service.ts';
import { makeTempDir } from '../support/test-run.ts';

interface ReopenableDatabase {
  open(): Promise<DatabaseHandle>;
  drop(): Promise<void>;
}

async function reopenableDatabase(backend: Backend): Promise<ReopenableDatabase> {
  if (backend === 'pglite') {
    const dir = makeTempDir('durable-pglite');
    // The service creates a new data directory in a child process (import.meta.resolve, which vitest lacks): made here.
    const { PGlite } = await import('@electric-sql/pglite');
    const made = new PGlite(path.join(dir, 'pglite'));
    await made.waitReady;
    await made.close();
    return {
      open: () => openDatabase({ databaseUrl: null, dataDir: path.join(dir, 'pglite') }),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const created = await createPostgresDatabaseUrl();
  return { open: () => openDatabase({ databaseUrl: created.url, dataDir: null, poolSize: 5 }), drop: created.drop };
}

describe.each(BACKENDS)('sandbox state across a restart (%s)', (backend) => {
  let database: ReopenableDatabase;
  let handle: DatabaseHandle | undefined;
  let service: RunningService | undefined;
  const dataDir = makeTempDir('durable');
  const vaultKeys = generateVaultKeySpec('durable1');

  async function start(): Promise<RunningService> {
    handle = await database.open();
    const config = loadConfig({ port: 0, host: '127.0.0.1', dataDir, vaultKeys, logLevel: 'silent' }, {});
    service = await startService({ config, database: handle, logger: createLogger('silent') });
    return service;
  }

  async function stop(): Promise<void> {
    await service?.close();
    service = undefined;
    await handle?.close();
    handle = undefined;
  }

  beforeAll(async () => {
    database = await reopenableDatabase(backend);
  });

  afterAll(async () => {
    await stop().catch(() => {});
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('keeps the imported connection active, its data, a sent message, a rules rotation and an injected fault', async () => {
    const first = await start();
    const boot = first.bootstrap;
    if (!boot?.created) throw new Error('expected a first-start bootstrap');
    const key = boot.apiKey;
    const access = (s: RunningService, method: string, route: string, connectionId: string, body?: unknown) =>
      call(s.url, method, route, { key, body, headers: { 'x-connection-id': connectionId } });

    const minted = await mintSandboxSession(first.sandboxUrl!, `durable-${backend}@creator.sandbox.com`);
    const imported = await call(first.url, 'POST', '/v2/account/connections/import', { key, body: { cookie: minted.cookie, userAgent: minted.userAgent } });
    expect(imported.status).toBe(201);
    const connectionId: string = imported.body.id;

    const selfBefore = await access(first, 'GET', '/v2/access/self', connectionId);
    expect(selfBefore.status).toBe(200);
    const chats = await access(first, 'GET', '/v2/access/proxy/chats?limit=50&offset=0&order=recent', connectionId);
    const fanId = (chats.body.list as Array<{ withUser: { id: number }; canSendMessage?: boolean }>).find((c) => c.canSendMessage !== false)!.withUser.id;
    const sent = await access(first, 'POST', `/v2/access/chats/${fanId}/messages`, connectionId, { text: 'Sent before the restart' });
    expect(sent.status).toBe(200);

    const rotated = await call(first.sandboxUrl!, 'POST', '/_sandbox/rules/rotate');
    expect(rotated.status).toBe(200);
    const fault = await call(first.sandboxUrl!, 'POST', '/_sandbox/faults', { body: { kind: '503', count: 1, pathPrefix: '/api2/v2/durable-fault' } });
    expect(fault.status).toBe(200);

    await stop();
    const second = await start();

    const connection = await call(second.url, 'GET', `/v2/account/connections/${connectionId}`, { key });
    expect(connection.status).toBe(200);
    expect(connection.body.status).toBe('active');
    const selfAfter = await access(second, 'GET', '/v2/access/self', connectionId);
    expect(selfAfter.status).toBe(200);
    expect(selfAfter.body).toEqual(selfBefore.body);
    const messages = await access(second, 'GET', `/v2/access/chats/${fanId}/messages?limit=5`, connectionId);
    expect(messages.status).toBe(200);
    expect(messages.body.list[0].id).toBe(sent.body.id);
    expect(messages.body.list[0].text).toContain('Sent before the restart');

    const rules = await call(second.sandboxUrl!, 'GET', '/_sandbox/rules');
    expect(rules.body.revision).toBe(rotated.body.revision);
    const faults = await call(second.sandboxUrl!, 'GET', '/_sandbox/faults');
    expect(faults.body.list).toEqual([expect.objectContaining({ kind: '503', pathPrefix: '/api2/v2/durable-fault', remaining: 1 })]);
    // The fault applies once, before any check of the request, then it is used up.
    expect((await call(second.sandboxUrl!, 'GET', '/api2/v2/durable-fault')).status).toBe(503);
    expect((await call(second.sandboxUrl!, 'GET', '/_sandbox/faults')).body.list).toEqual([]);
    const after = await access(second, 'GET', '/v2/access/self', connectionId);
    expect(after.status).toBe(200);
  }, 120_000);
});
