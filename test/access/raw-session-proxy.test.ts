// Raw-session proxy calls: a session sent in x-session-* headers instead of x-connection-id, signed and paced like a
// connection's, never stored, never logged.
import { Writable } from 'node:stream';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRawSession } from '../../src/access/proxy.ts';
import { connections, connectionSessions } from '../../src/connections/tables.ts';
import { ApiError } from '../../src/platform/errors.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { expireSandboxSession, mintSandboxSession, sessOf, type MintedSession } from '../support/sandbox.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { importConnection } from './access-fixture.ts';

let counter = 0;

function rawHeaders(session: MintedSession): Record<string, string> {
  return {
    'x-session-user-id': String(session.userId),
    'x-session-cookie': session.cookie,
    'x-session-xbc': session.xBc,
    'x-session-user-agent': session.userAgent,
  };
}

async function mint(t: TestService): Promise<MintedSession> {
  return mintSandboxSession(t.sandboxUrl, `raw${process.pid}x${Date.now().toString(36)}${counter++}@creator.sandbox.com`);
}

describe.each(BACKENDS)('access: raw-session proxy calls (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  async function storedRows() {
    const db = t.database.handle.db;
    const [conns] = await db.select({ n: count() }).from(connections);
    const [sessions] = await db.select({ n: count() }).from(connectionSessions);
    const rows = await db.select({ id: connections.id, status: connections.status, updatedAt: connections.updatedAt }).from(connections);
    return { connections: conns!.n, sessions: sessions!.n, rows: rows.sort((a, b) => a.id.localeCompare(b.id)) };
  }

  it('a session minted by the simulator, sent raw, answers /users/me with 200 and stores nothing', async () => {
    await importConnection(t); // a connection in the org, to show it is left alone
    const session = await mint(t);
    const before = await storedRows();
    const res = await call(t.url, 'GET', '/v2/access/proxy/users/me', { key: t.adminKey, headers: rawHeaders(session) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(String(res.body.id)).toBe(String(session.userId));
    expect(res.headers['x-ratelimit-limit']).toBe('90');
    expect(await storedRows()).toEqual(before);
  });

  it('an expired raw session is a 401 SESSION_EXPIRED and no connection changes', async () => {
    await importConnection(t);
    const session = await mint(t);
    await expireSandboxSession(t.sandboxUrl, { sess: sessOf(session.cookie) });
    const before = await storedRows();
    const res = await call(t.url, 'GET', '/v2/access/proxy/users/me', { key: t.adminKey, headers: rawHeaders(session) });
    expect(res.status).toBe(401);
    expect(res.body.type).toBe('SESSION_EXPIRED');
    expect(JSON.stringify(res.body)).not.toContain('conn_');
    expect(await storedRows()).toEqual(before);
  });

  it('a missing piece is a 400 naming its header, and nothing goes upstream', async () => {
    const session = await mint(t);
    const all = rawHeaders(session);
    for (const name of Object.keys(all)) {
      const { [name]: _left, ...rest } = all;
      const res = await call(t.url, 'GET', '/v2/access/proxy/users/me', { key: t.adminKey, headers: rest });
      expect(res.status, name).toBe(400);
      expect(res.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: name, reason: 'header_missing' } });
    }
    const other = await mint(t);
    const mismatch = await call(t.url, 'GET', '/v2/access/proxy/users/me', {
      key: t.adminKey,
      headers: { ...all, 'x-session-user-id': String(other.userId) },
    });
    expect(mismatch.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'x-session-user-id', reason: 'user_id_mismatch' } });
    const both = await call(t.url, 'GET', '/v2/access/proxy/users/me', { key: t.adminKey, headers: { ...all, 'x-connection-id': 'conn_x' } });
    expect(both.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'x-connection-id' } });
    const tooLong = await call(t.url, 'GET', '/v2/access/proxy/users/me', { key: t.adminKey, headers: { ...all, 'x-session-xbc': 'a'.repeat(300) } });
    expect(tooLong.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'x-session-xbc', reason: 'too_long' } });
  });

  it('raw calls are paced per upstream user within the org', async () => {
    const session = await mint(t);
    const first = await call(t.url, 'GET', '/v2/access/proxy/users/me', { key: t.adminKey, headers: rawHeaders(session) });
    const second = await call(t.url, 'GET', '/v2/access/proxy/users/me', { key: t.adminKey, headers: rawHeaders(session) });
    expect(Number(second.headers['x-ratelimit-remaining'])).toBe(Number(first.headers['x-ratelimit-remaining']) - 1);
    // The same upstream user called from another org draws from that org's bucket.
    const otherKey = (await createKey(t.database.handle, await createOrg(t.database.handle, 'raw other'))).secret;
    const elsewhere = await call(t.url, 'GET', '/v2/access/proxy/users/me', { key: otherKey, headers: rawHeaders(session) });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.headers['x-ratelimit-remaining']).toBe(first.headers['x-ratelimit-remaining']);
  });

  it('the logs contain neither the cookie nor the x-bc of a raw session', async () => {
    const session = await mint(t);
    const expired = await mint(t);
    await expireSandboxSession(t.sandboxUrl, { sess: sessOf(expired.cookie) });
    await call(t.url, 'GET', '/v2/access/proxy/users/me', { key: t.adminKey, headers: rawHeaders(session) });
    await call(t.url, 'GET', '/v2/access/proxy/users/me', { key: t.adminKey, headers: rawHeaders(expired) });
    const logged = t.logs.join('\n');
    for (const secret of [sessOf(session.cookie), session.xBc, sessOf(expired.cookie), expired.xBc]) expect(logged).not.toContain(secret);
  });
});

describe('raw-session headers', () => {
  const valid = {
    'x-session-user-id': '42',
    'x-session-cookie': 'auth_id=42; sess=abc; fp=def',
    'x-session-xbc': 'xbc',
    'x-session-user-agent': 'Mozilla/5.0',
  };

  function refusal(headers: Record<string, string | string[]>): ApiError {
    try {
      readRawSession(headers);
    } catch (error) {
      if (error instanceof ApiError) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  }

  it('CR/LF in any header is a 400 naming it', () => {
    for (const name of Object.keys(valid)) {
      const error = refusal({ ...valid, [name]: `${valid[name as keyof typeof valid]}\r\nx-injected: 1` });
      expect(error.status).toBe(400);
      expect(error.details).toMatchObject({ field: name, reason: 'control_characters' });
      expect(error.message).not.toContain('injected');
    }
  });

  it('a cookie without sess, a repeated header or a non-numeric user id is a 400 naming the header', () => {
    expect(refusal({ ...valid, 'x-session-cookie': 'auth_id=42; fp=def' }).details).toMatchObject({ field: 'x-session-cookie', missing: ['sess'] });
    expect(refusal({ ...valid, 'x-session-xbc': ['a', 'b'] }).details).toMatchObject({ field: 'x-session-xbc', reason: 'header_repeated' });
    expect(refusal({ ...valid, 'x-session-user-id': 'me' }).details).toMatchObject({ field: 'x-session-user-id' });
    expect(readRawSession(valid)).toEqual({ userId: '42', session: { cookie: valid['x-session-cookie'], xBc: 'xbc', userAgent: 'Mozilla/5.0' } });
  });

  it('the logger redacts the raw-session headers wherever a request is logged', () => {
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    logger.info({ req: { headers: valid }, headers: valid }, 'a request');
    expect(lines.join('')).not.toContain('sess=abc');
    expect(lines.join('')).not.toContain('"xbc"');
  });
});
