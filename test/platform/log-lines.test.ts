// What the service logs at info for an operator: refused and failed requests with their code and who asked, failed
// webhook attempts, failed Link attempts, connection status changes and rules changes, each with its ids, and never
// a secret (the API key used, an OnlyFans session cookie, a Link password, a webhook secret). Then the two formats:
// JSON lines for machines, one pretty line per event for people, both redacted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger, createOutputLogger, REDACTED_PATHS } from '../../src/platform/logger.ts';
import { redactUrl } from '../../src/platform/http/request-log.ts';
import { recordEvent } from '../../src/webhooks/outbox.ts';
import { createWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.ts';
import { parseDynamicRules } from '../../src/upstream/rules.ts';
import { access, clearFaults, importConnection, injectFault } from '../access/access-fixture.ts';
import { startReceiver, type Receiver } from '../webhooks/receiver.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { expireSandboxSession, sessOf } from '../support/sandbox.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const INFO = 30;
const ERROR = 50;

/** Every line the service has logged so far, parsed (each must be one JSON object). */
function linesOf(t: TestService): LogLine[] {
  return t.logs
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogLine);
}

/** Waits for the first line that matches (request lines are written just after the reply is sent). */
function lineWhere(t: TestService, what: string, matches: (line: LogLine) => boolean): Promise<LogLine> {
  return eventually(() => linesOf(t).find(matches), { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: `a log line: ${what}` });
}

/** A sink that keeps what a logger writes, as a terminal (isTTY) or as a pipe. */
function captureStream(isTTY: boolean): { stream: Writable & { isTTY?: boolean }; text(): string } {
  let text = '';
  const stream: Writable & { isTTY?: boolean } = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  if (isTTY) stream.isTTY = true;
  return { stream, text: () => text };
}

describe.each(BACKENDS)('log lines at info: failures and changes with their ids, never a secret (%s)', (backend) => {
  let t: TestService;
  let worker: WebhookWorker;
  let receiver: Receiver;
  /** Every secret a test used; none may appear in any log line (checked in afterAll, after whichever tests ran, in
   *  whatever order). */
  const secrets: string[] = [];

  beforeAll(async () => {
    // API only: the webhook worker is driven by hand below, so the attempts it logs are the ones this file makes.
    t = await startTestService(backend, { config: { role: 'api' } });
    worker = createWebhookWorker(t.service.ctx, { concurrency: 4 });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await worker?.stop();
    const all = t?.logs.join('') ?? '';
    await t?.close();
    await receiver?.close();
    for (const secret of secrets) expect(all, 'a secret in the logs').not.toContain(secret);
  });

  /** A new org with an admin sandbox key; the key's secret is watched for in the logs. */
  async function freshOrg(name: string): Promise<{ orgId: string; key: string; keyId: string }> {
    const orgId = await createOrg(t.database.handle, name);
    const key = await createKey(t.database.handle, orgId);
    secrets.push(key.secret);
    return { orgId, key: key.secret, keyId: key.id };
  }

  it('a refused request is one info line with reqId, orgId, apiKeyId, connectionId, status and our code; a key in the URL is not logged', async () => {
    const { orgId, key, keyId } = await freshOrg('Refused requests');
    const missing = await call(t.url, 'GET', '/v2/account/connections/conn_doesnotexist', { key });
    expect(missing.status).toBe(404);
    const line = await lineWhere(t, 'the 404', (l) => l.reqId === missing.headers['x-request-id']);
    expect(line).toMatchObject({
      level: INFO,
      status: 404,
      code: 'RESOURCE_NOT_FOUND',
      orgId,
      apiKeyId: keyId,
      connectionId: 'conn_doesnotexist',
      method: 'GET',
    });
    expect(line.msg).toBe('request refused: GET /v2/account/connections/:connectionId → 404 RESOURCE_NOT_FOUND');

    // A key sent where it does not belong (the query string) is refused, and the URL in the line is redacted.
    const misplaced = await call(t.url, 'GET', `/v2/account/whoami?apikey=${key}`);
    expect(misplaced.status).toBe(401);
    const refused = await lineWhere(t, 'the 401', (l) => l.reqId === misplaced.headers['x-request-id']);
    expect(refused).toMatchObject({ level: INFO, status: 401, code: 'UNAUTHORIZED', url: '/v2/account/whoami?apikey=sk_sandbox_[redacted]' });
    expect(refused.orgId).toBeUndefined();
    expect(JSON.stringify(linesOf(t))).not.toContain(key);
  });

  it('a failure of ours (upstream down) is one error line with status, code, org, key and connection; the session cookie is not logged', async () => {
    const { orgId, key, keyId } = await freshOrg('Failed requests');
    const own = await importConnection(t, { key });
    secrets.push(sessOf(own.session.cookie), own.session.cookie);
    await injectFault(t, { kind: '503', count: 10, pathPrefix: '/api2/v2/users/me' });
    let failed;
    try {
      failed = await access(t, own.id, 'GET', '/v2/access/self', { key });
    } finally {
      await clearFaults(t);
    }
    expect(failed.status).toBe(502);
    const line = await lineWhere(t, 'the 502', (l) => l.reqId === failed.headers['x-request-id']);
    expect(line).toMatchObject({ level: ERROR, status: 502, code: 'UPSTREAM_ERROR', orgId, apiKeyId: keyId, connectionId: own.id });
    expect(line.msg).toBe('request failed: GET /v2/access/self → 502 UPSTREAM_ERROR');
  });

  it('each failed webhook attempt is an info line with endpoint, message, attempt, status and the next retry; the endpoint secret is not logged', async () => {
    const { orgId, key } = await freshOrg('Failing receiver');
    receiver.answer = () => ({ status: 500, body: 'receiver down' });
    const created = await call(t.url, 'POST', '/v2/webhooks/endpoints', { key, body: { url: `${receiver.url}/down` } });
    expect(created.status).toBe(201);
    const endpoint = created.body as { id: string; secret: string };
    secrets.push(endpoint.secret);
    const messageId = await t.database.handle.db.transaction((tx) =>
      recordEvent(tx, { orgId, environment: 'sandbox', type: 'connection.expired', connectionId: 'conn_logged', data: {} }, new Date()),
    );
    await worker.drain();
    const attempts = linesOf(t).filter((l) => l.messageId === messageId && typeof l.attempt === 'number');
    // The first attempt and its immediate retry both failed; the next is scheduled.
    expect(attempts.map((l) => l.attempt)).toEqual([1, 2]);
    for (const line of attempts) {
      expect(line).toMatchObject({ level: INFO, orgId, endpointId: endpoint.id, messageId, status: 500, eventType: 'connection.expired' });
      expect(Date.parse(line.nextAttemptAt as string)).toBeGreaterThan(Date.now() - 60_000);
      expect(line.msg).toBe(`webhook attempt ${line.attempt} failed: 500; retrying`);
      expect(JSON.stringify(line)).not.toContain(receiver.url);
    }
  });

  it('a wrong Link password is an attempt line, a locked account ends the session with its code; the password is not logged', async () => {
    const { orgId, key } = await freshOrg('Link failures');
    const app = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'Headless', integrationType: 'whitelabel' } });
    expect(app.status).toBe(201);
    const init = async () => (await call(t.url, 'POST', '/v2/link/init', { key, body: { clientAppId: app.body.id } })).body.clientSecret as string;
    const wrongPassword = `Wrong-${Date.now().toString(36)}-passw0rd`;
    secrets.push(wrongPassword, 'good-password');

    const first = await init();
    secrets.push(first);
    const refused = await call(t.url, 'POST', `/v2/link/${first}/login`, { key, body: { email: `logs${Date.now()}@creator.sandbox.com`, password: wrongPassword } });
    expect(refused.status).toBe(200);
    const attempt = await lineWhere(t, 'the wrong password', (l) => l.orgId === orgId && l.msg?.startsWith('Link login attempt failed'));
    expect(attempt).toMatchObject({ level: INFO, code: 'invalid_credentials', reason: 'invalid_credentials', status: 'invalid_credentials', failedAttempts: 1 });
    expect(attempt.linkSessionId).toMatch(/^link_[A-Za-z0-9]+$/);

    const second = await init();
    secrets.push(second);
    await call(t.url, 'POST', `/v2/link/${second}/login`, { key, body: { email: `logs${Date.now()}@locked.sandbox.com`, password: 'good-password' } });
    const ended = await lineWhere(t, 'the locked account', (l) => l.orgId === orgId && l.msg === 'Link session failed: account_locked');
    expect(ended).toMatchObject({ level: INFO, code: 'account_locked', status: 'failed' });
    expect(ended.linkSessionId).not.toBe(attempt.linkSessionId);
    // A login that works makes a connection: its status line says it came from Link.
    const third = await init();
    secrets.push(third);
    const done = await call(t.url, 'POST', `/v2/link/${third}/login`, { key, body: { email: `logs${Date.now()}@creator.sandbox.com`, password: 'good-password' } });
    const connectionId = (await call(t.url, 'GET', `/v2/link/${third}`, { key })).body.data?.id;
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(connectionId).toMatch(/^conn_/);
    const linked = await lineWhere(t, 'the linked connection', (l) => l.connectionId === connectionId && l.msg?.startsWith('connection status:'));
    expect(linked).toMatchObject({ level: INFO, orgId, from: null, to: 'active', reason: 'linked' });

    // The client secret is neither a field nor in a request line's URL.
    const lines = JSON.stringify(linesOf(t));
    for (const secret of [first, second, third]) expect(lines).not.toContain(secret);
  });

  it('connection status changes are logged from → to with reason and who asked: import, invalidate, disconnect', async () => {
    const { orgId, key, keyId } = await freshOrg('Status changes');
    const own = await importConnection(t, { key });
    secrets.push(sessOf(own.session.cookie), own.session.cookie);
    expect((await call(t.url, 'POST', `/v2/account/connections/${own.id}/invalidate`, { key })).status).toBeLessThan(300);
    expect((await call(t.url, 'DELETE', `/v2/account/connections/${own.id}`, { key })).status).toBeLessThan(300);
    const changes = linesOf(t).filter((l) => l.connectionId === own.id && l.msg?.startsWith('connection status:'));
    expect(changes.map((l) => [l.from, l.to, l.reason])).toEqual([
      [null, 'active', 'imported'],
      ['active', 'expired', 'invalidated'],
      ['expired', 'disconnected', 'disconnected'],
    ]);
    for (const line of changes) expect(line).toMatchObject({ level: INFO, orgId, apiKeyId: keyId });
    expect(changes[1].msg).toBe('connection status: active → expired (invalidated)');
  });

  it('a connection whose session OnlyFans rejects during an Access call is logged active → expired, without a key id (nobody asked)', async () => {
    const { orgId, key } = await freshOrg('Rejected session');
    const own = await importConnection(t, { key });
    secrets.push(sessOf(own.session.cookie), own.session.cookie);
    await expireSandboxSession(t.sandboxUrl, { sess: sessOf(own.session.cookie) });
    const rejected = await access(t, own.id, 'GET', '/v2/access/self', { key });
    expect(rejected.status).toBe(401);
    const line = await lineWhere(t, 'the expiry', (l) => l.connectionId === own.id && l.msg?.startsWith('connection status: active'));
    expect(line).toMatchObject({ level: INFO, orgId, from: 'active', to: 'expired', reason: 'session_rejected_upstream' });
    expect(line.apiKeyId).toBeUndefined();
  });

  it('a dynamic-rules change noticed in traffic is an info line with the environment and the new revision', async () => {
    const { key } = await freshOrg('Rules change');
    await call(t.url, 'GET', '/v2/dynamic-rules/status', { key });
    const rotated = parseDynamicRules((await call(t.sandboxUrl, 'POST', '/_sandbox/rules/rotate', { body: {} })).body);
    // Ordinary traffic (an import validates its session upstream) sees the new revision and refreshes the rules.
    const own = await importConnection(t, { key });
    secrets.push(sessOf(own.session.cookie));
    const line = await lineWhere(t, `rules revision ${rotated.revision}`, (l) => l.revision === rotated.revision && l.msg.startsWith('dynamic rules changed'));
    expect(line).toMatchObject({ level: INFO, environment: 'sandbox', msg: `dynamic rules changed (sandbox): now revision ${rotated.revision}` });
  });

});

describe('log formats and redaction', () => {
  it('on a pipe (auto) the output is JSON lines, one object per event', () => {
    const out = captureStream(false);
    const logger = createOutputLogger('info', 'auto', out.stream);
    logger.info({ reqId: 'req_1', orgId: 'org_1' }, 'first');
    logger.warn({ connectionId: 'conn_1' }, 'second');
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { level: 30, msg: 'first', reqId: 'req_1', orgId: 'org_1' },
      { level: 40, msg: 'second', connectionId: 'conn_1' },
    ]);
  });

  it('pretty, when forced, is one line per event without JSON braces: time, level, message, key=value fields, an error on its line', () => {
    const out = captureStream(false);
    const logger = createOutputLogger('info', 'pretty', out.stream);
    logger.info({ reqId: 'req_1', orgId: 'org_1', status: 404, code: 'RESOURCE_NOT_FOUND' }, 'request refused');
    logger.error({ err: new Error('disk on fire') }, 'request failed');
    logger.debug('below the level');
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toMatch(/[{}]/);
    expect(lines[0]).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: request refused {2}reqId=req_1 orgId=org_1 status=404 code=RESOURCE_NOT_FOUND$/);
    expect(lines[1]).toMatch(/^\[[\d:.]+\] ERROR: request failed {2}err="Error: disk on fire \(at .+\)"$/);
    // No colour codes unless the output is a terminal.
    expect(out.text()).not.toContain('\u001b[');
  });

  it('auto on a terminal is pretty and coloured', () => {
    const out = captureStream(true);
    createOutputLogger('info', 'auto', out.stream).info({ orgId: 'org_1' }, 'hello');
    expect(out.text()).toContain('\u001b[');
    expect(out.text()).toContain('hello');
    expect(out.text()).not.toContain('{');
    expect(out.text().split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('json, when forced, stays JSON on a terminal', () => {
    const out = captureStream(true);
    createOutputLogger('info', 'json', out.stream).info({ orgId: 'org_1' }, 'hello');
    expect(JSON.parse(out.text())).toMatchObject({ msg: 'hello', orgId: 'org_1' });
  });

  it('every redacted field is censored at the top level and one level down, in JSON and in pretty output', () => {
    const fields = REDACTED_PATHS.filter((p) => /^[A-Za-z]+$/.test(p));
    const nestedFields = REDACTED_PATHS.filter((p) => /^\*\.[A-Za-z]+$/.test(p)).map((p) => p.slice(2));
    expect(fields).toEqual(expect.arrayContaining(['password', 'cookie', 'apikey', 'secret', 'signingSecret', 'secretBlob', 'otp', 'vaultKeys', 'authorization']));
    expect(nestedFields).toEqual(expect.arrayContaining(['password', 'cookie', 'apikey', 'secret', 'secretBlob', 'challengeBlob', 'credentialsBlob']));
    const secretOf = (field: string) => `SECRET-${field}-value`;
    const top = Object.fromEntries(fields.map((f) => [f, secretOf(f)]));
    const nested = { headers: { ...Object.fromEntries(nestedFields.map((f) => [f, secretOf(f)])), 'x-bc': 'SECRET-xbc', 'webhook-signature': 'SECRET-sig' } };
    for (const format of ['json', 'pretty'] as const) {
      const out = captureStream(false);
      const logger = createOutputLogger('info', format, out.stream);
      logger.info(top, 'top level');
      logger.info(nested, 'nested');
      expect(out.text()).toContain('[redacted]');
      expect(out.text(), format).not.toContain('SECRET-');
    }
  });

  it('a URL in a request line loses Link client secrets, API keys and webhook secrets, and keeps the rest', () => {
    expect(redactUrl('/link/cs_abc123/credentials?apikey=sk_live_Zz9&next=1')).toBe('/link/cs_[redacted]/credentials?apikey=sk_live_[redacted]&next=1');
    expect(redactUrl('/hooks?secret=whsec_dGhpcyBpcyBh+/c2VjcmV0==&x=2')).toBe('/hooks?secret=whsec_[redacted]&x=2');
  });

  it('the JSON logger takes any destination stream (what tests capture with)', () => {
    const out = captureStream(false);
    createLogger('info', out.stream).info({ password: 'hunter2' }, 'x');
    expect(JSON.parse(out.text())).toMatchObject({ password: '[redacted]' });
  });
});
