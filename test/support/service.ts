// Starts a real ofconnect on a loopback port over a chosen backend, plus the helpers tests use to call it.
import { request } from 'undici';
import type { ManualClock } from '../../src/platform/clock.ts';
import { loadConfig, type ConfigOverrides } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { generateVaultKeySpec } from '../../src/platform/vault.ts';
import { startService, type RunningService } from '../../src/service.ts';
import { createTestDatabase, type Backend, type TestDatabase } from './databases.ts';
import { makeTempDir, removeTempDir } from './test-run.ts';
import { Writable } from 'node:stream';

export interface TestService {
  service: RunningService;
  database: TestDatabase;
  url: string;
  /** The admin sandbox key the first-start bootstrap created. */
  adminKey: string;
  orgId: string;
  /** The simulator sandbox keys talk to (its own port: the control API without a key). */
  sandboxUrl: string;
  /** Every log line the service wrote, for "no secret is logged" checks. */
  logs: string[];
  close(): Promise<void>;
}

/** Test services run outside production, where the in-process simulator always starts. */
function requireSandboxUrl(service: RunningService): string {
  if (!service.sandboxUrl) throw new Error('this test service has no sandbox upstream');
  return service.sandboxUrl;
}

export interface TestServiceOptions {
  config?: ConfigOverrides;
  clock?: ManualClock;
  database?: TestDatabase;
}

export async function startTestService(backend: Backend, options: TestServiceOptions = {}): Promise<TestService> {
  const database = options.database ?? (await createTestDatabase(backend));
  const dataDir = makeTempDir('service');
  /** What the service leaves: its data directory always, the database when this helper made it. */
  const release = async () => {
    try {
      if (!options.database) await database.drop();
    } finally {
      removeTempDir(dataDir);
    }
  };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  let service: RunningService;
  try {
    const config = loadConfig(
      {
        port: 0,
        host: '127.0.0.1',
        dataDir,
        vaultKeys: generateVaultKeySpec('test1'),
        logLevel: 'debug',
        ...options.config,
      },
      {},
    );
    service = await startService({ config, database: database.handle, clock: options.clock, logger: createLogger('debug', sink) });
  } catch (error) {
    await release();
    throw error;
  }
  const boot = service.bootstrap;
  if (!boot?.created) {
    await service.close().finally(release);
    throw new Error('expected a first-start bootstrap on a fresh database');
  }
  return {
    service,
    database,
    url: service.url,
    adminKey: boot.apiKey,
    // Read lazily: a production-mode test service has none, and only tests that use it should fail.
    get sandboxUrl() {
      return requireSandboxUrl(service);
    },
    orgId: boot.orgId,
    logs,
    async close() {
      try {
        await service.close();
      } finally {
        await release();
      }
    },
  };
}

export interface ApiReply<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/**
 * One untyped HTTP call over real loopback; JSON in, JSON (or text) out. New tests call the JSON API through
 * `apiClient` (test/support/api-client.ts), typed from the routes' schemas; `call` stays for what those types rule
 * out on purpose: malformed input (bad JSON, wrong types, raw strings), routes outside the OpenAPI document
 * (/openapi.json, unknown paths, the simulator's control API) and the raw proxy /v2/access/proxy/*, whose entry in
 * the document declares no query, body or reply because it passes any through. Its default type
 * parameter becomes `unknown` once every folder has moved to apiClient.
 */
export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  options: { key?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiReply<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.key) headers.apikey = options.key;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const res = await request(`${base}${path}`, { method: method as never, headers, body });
  const text = await res.body.text();
  let parsed: unknown = text;
  if ((res.headers['content-type'] ?? '').toString().includes('json') && text) parsed = JSON.parse(text);
  return { status: res.statusCode, headers: res.headers, body: parsed as T };
}

/** A second node on the same database (PostgreSQL: its own pool; PGlite: the same in-process database). */
export async function startPeerNode(t: TestService, config: ConfigOverrides = {}): Promise<{ url: string; service: RunningService; close(): Promise<void> }> {
  const { openDatabase } = await import('../../src/platform/db/database.ts');
  const handle = t.database.url ? await openDatabase({ databaseUrl: t.database.url, dataDir: null, poolSize: 5 }) : t.database.handle;
  const peerConfig = loadConfig(
    { ...t.service.ctx.config, port: 0, sandboxUrl: t.sandboxUrl, role: 'api', ...config },
    {},
  );
  const service = await startService({ config: peerConfig, database: handle, logger: createLogger('silent'), skipBootstrap: true });
  return {
    url: service.url,
    service,
    async close() {
      await service.close();
      if (t.database.url) await handle.close();
    },
  };
}
