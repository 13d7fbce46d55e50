// One validation rule for every input (src/platform/http/input-rules.ts) and the error shape on every refusal:
// regressions for issue 16's defects 1, 5, 6, 7, 9 and 10, each a 500, 503 or bare framework body before.
import net from 'node:net';
import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameworkErrors, installErrorHandling } from '../../src/platform/http/error-handler.ts';
import { unacceptableValue } from '../../src/platform/http/input-rules.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { BACKENDS } from '../support/databases.ts';
import { call, startTestService, type ApiReply, type TestService } from '../support/service.ts';

/** A refusal in the OFAuth error shape: JSON with type, code, message and the request id. */
function expectErrorShape(res: ApiReply, status: number): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  expect(res.body).toMatchObject({ type: expect.any(String), code: expect.any(String), message: expect.any(String), requestId: expect.any(String) });
}

function expectBadField(res: ApiReply, field: string): void {
  expectErrorShape(res, 400);
  expect(res.body.type).toBe('BAD_REQUEST');
  expect(res.body.details?.field).toBe(field);
}

/** Sends raw bytes (a request line or headers undici would refuse to send) and returns the status and JSON body. */
async function rawRequest(url: string, head: string): Promise<{ status: number; body: any }> {
  const { port } = new URL(url);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(head));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('error', (error) => (received ? resolve(received) : reject(error)));
    socket.on('close', () => resolve(received));
  });
  const [statusLine = '', ...rest] = text.split('\r\n');
  const body = rest.join('\r\n').split('\r\n\r\n').slice(1).join('\r\n\r\n');
  return { status: Number(statusLine.split(' ')[1]), body: body ? JSON.parse(body) : undefined };
}

describe.each(BACKENDS)('one validation rule for every input (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  }, 60_000);
  afterAll(async () => t?.close());

  it('a settings PATCH with a pacing number that overflows to Infinity is a 400 naming it and saves nothing', async () => {
    const before = await call(t.url, 'GET', '/v2/account/settings', { key: t.adminKey });
    expect(before.status).toBe(200);
    for (const raw of ['{"pacing":{"burst":"1e309"}}', '{"pacing":{"burst":1e309}}', '{"pacing":{"requestsPerMinute":"-1e309"}}']) {
      const res = await call(t.url, 'PATCH', '/v2/account/settings', { key: t.adminKey, body: raw });
      expectBadField(res, raw.includes('burst') ? 'pacing.burst' : 'pacing.requestsPerMinute');
    }
    const after = await call(t.url, 'GET', '/v2/account/settings', { key: t.adminKey });
    expect(after.body).toEqual(before.body);
  });

  it('a NUL byte in a path id is refused before any query, on the route and its sub-routes', async () => {
    for (const [method, path] of [
      ['GET', '/v2/account/connections/a%00b'],
      ['DELETE', '/v2/account/connections/a%00b'],
      ['GET', '/v2/account/connections/a%00b/settings'],
      ['POST', '/v2/account/connections/a%00b/invalidate'],
      ['GET', '/v2/webhooks/endpoints/a%00b'],
      ['GET', '/v2/webhooks/messages/a%00b/attempts'],
    ] as const) {
      const res = await call(t.url, method, path, { key: t.adminKey });
      expect([400, 404], `${method} ${path}`).toContain(res.status);
      expectErrorShape(res, res.status);
    }
    expectBadField(await call(t.url, 'GET', '/v2/account/connections/a%00b', { key: t.adminKey }), 'connectionId');
  });

  it('a NUL byte in a query filter or a JSON string is a 400 naming the field', async () => {
    expectBadField(await call(t.url, 'GET', '/v2/webhooks/messages?connectionId=%00', { key: t.adminKey }), 'connectionId');
    expectBadField(await call(t.url, 'GET', '/v2/account/usage?connectionId=%00', { key: t.adminKey }), 'connectionId');
    expectBadField(await call(t.url, 'POST', '/v2/client-apps', { key: t.adminKey, body: { name: 'a\u0000b' } }), 'name');
    expectBadField(await call(t.url, 'POST', '/v2/api-keys', { key: t.adminKey, body: { name: 'k\u0000' } }), 'name');
    expectBadField(
      await call(t.url, 'POST', '/v2/webhooks/endpoints', { key: t.adminKey, body: { url: 'https://example.com/hook', description: 'x\u0000' } }),
      'description',
    );
    expectBadField(await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { clientReferenceId: 'ref\u0000' } }), 'clientReferenceId');
    // A JSON key is held to the same rule (records land in JSONB, which refuses \u0000 anywhere).
    const key = await call(t.url, 'PATCH', '/v2/account/settings', { key: t.adminKey, body: '{"vaultPlus":{"a\\u0000b":1}}' });
    expectErrorShape(key, 400);
    // Identifiers are single-line; other C0 controls are refused too; a body's free text keeps tabs and line breaks.
    expectBadField(await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { clientReferenceId: 'ref\nnext' } }), 'clientReferenceId');
    expectBadField(await call(t.url, 'POST', '/v2/client-apps', { key: t.adminKey, body: { name: 'bell\u0007' } }), 'name');
    const multiline = await call(t.url, 'POST', '/v2/client-apps', { key: t.adminKey, body: { name: 'Line one\r\n\tline two' } });
    expect(multiline.status, JSON.stringify(multiline.body)).toBeLessThan(300);
  });

  it('huge, non-finite and unsafe numbers in paging are a 400 naming the field', async () => {
    for (const path of ['/v2/account/connections', '/v2/webhooks/messages', '/v2/webhooks/endpoints/we_missing/attempts']) {
      expectBadField(await call(t.url, 'GET', `${path}?limit=1e309`, { key: t.adminKey }), 'limit');
      expectBadField(await call(t.url, 'GET', `${path}?offset=99999999999999999999`, { key: t.adminKey }), 'offset');
      expectBadField(await call(t.url, 'GET', `${path}?offset=-1e309`, { key: t.adminKey }), 'offset');
    }
  });

  it('impossible calendar dates are a 400 naming from or to; a real leap day is fine', async () => {
    expectBadField(await call(t.url, 'GET', '/v2/account/usage?from=2024-13-45', { key: t.adminKey }), 'from');
    expectBadField(await call(t.url, 'GET', '/v2/account/usage?to=2024-02-30', { key: t.adminKey }), 'to');
    expectBadField(await call(t.url, 'GET', '/v2/account/usage?from=2023-02-29', { key: t.adminKey }), 'from');
    const leapDay = await call(t.url, 'GET', '/v2/account/usage?from=2024-02-29&to=2024-03-01', { key: t.adminKey });
    expect(leapDay.status, JSON.stringify(leapDay.body)).toBe(200);
  });

  it('a user agent with CR/LF or NUL on import or rotate is a 400 naming userAgent, not an outage', async () => {
    for (const userAgent of ['Mozilla/5.0\r\nX-Injected: 1', 'Mozilla/5.0\u0000', 'Mozilla/5.0\n']) {
      const body = { cookie: 'auth_id=1; sess=abc; fp=x', userAgent };
      expectBadField(await call(t.url, 'POST', '/v2/account/connections/import', { key: t.adminKey, body }), 'userAgent');
      expectBadField(await call(t.url, 'PATCH', '/v2/account/connections/import/conn_missing', { key: t.adminKey, body }), 'userAgent');
    }
    const cookie = await call(t.url, 'POST', '/v2/account/connections/import', {
      key: t.adminKey,
      body: { cookie: 'auth_id=1;\r\nsess=abc; fp=x', userAgent: 'Mozilla/5.0' },
    });
    expectBadField(cookie, 'cookie');
  });

  it('headers or a URL over 16 KB are a 431 in the error shape', async () => {
    const bigHeader = await call(t.url, 'GET', '/v2/account/whoami', { key: t.adminKey, headers: { 'x-padding': 'a'.repeat(20_000) } });
    expectErrorShape(bigHeader, 431);
    const longUrl = await call(t.url, 'GET', `/v2/account/connections?connectionId=${'a'.repeat(20_000)}`, { key: t.adminKey });
    expectErrorShape(longUrl, 431);
    const malformed = await rawRequest(t.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ type: 'BAD_REQUEST', requestId: expect.any(String) });
  });

  it('a bad %-encoding is a 400 and an over-long path parameter a 414, both in the error shape', async () => {
    expectErrorShape(await call(t.url, 'GET', '/v2/account/connections/%E0%A4%A', { key: t.adminKey }), 400);
    expectErrorShape(await call(t.url, 'GET', `/v2/account/connections/${'a'.repeat(200)}`, { key: t.adminKey }), 414);
  });
});

describe('a route added tomorrow', () => {
  it('gets the rules with plain schemas and nothing else: NUL, controls, Infinity, unsafe integers, unschemaed path ids', async () => {
    const app = Fastify();
    installErrorHandling(app);
    app.post('/widgets/:widgetId', {
      schema: {
        body: { type: 'object', properties: { name: { type: 'string' }, count: { type: 'integer' }, weight: { type: 'number' } } },
        querystring: { type: 'object', properties: { tag: { type: 'string' } } },
      },
    }, async () => ({ ok: true }));
    app.get('/gadgets/:gadgetId', async () => ({ ok: true }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const post = (path: string, body: string) => call(url, 'POST', path, { body });
      expect((await post('/widgets/w1?tag=x', '{"name":"a\\nb","count":3,"weight":1.5}')).status).toBe(200);
      expectBadField(await post('/widgets/w1', '{"name":"a\\u0000b"}'), 'name');
      expectBadField(await post('/widgets/w1', '{"count":"1e309"}'), 'count');
      expectBadField(await post('/widgets/w1', '{"count":99999999999999999999}'), 'count');
      expectBadField(await post('/widgets/w1', '{"weight":1e309}'), 'weight');
      expectBadField(await post('/widgets/w1?tag=a%0Ab', '{}'), 'tag');
      expectBadField(await post('/widgets/w%00', '{}'), 'widgetId');
      expectBadField(await call(url, 'GET', '/gadgets/g%07'), 'gadgetId');
    } finally {
      await app.close();
    }
  });
});

describe('what no schema lets through', () => {
  it('a NUL or a non-finite number anywhere, typed or not, is named by its path', () => {
    expect(unacceptableValue({ question: { options: ['ok', 'a\u0000'] } })).toEqual({ instancePath: '/question/options/1', message: 'must not contain NUL' });
    expect(unacceptableValue({ map: { 'k\u0000': 1 } })).toEqual({ instancePath: '/map/k\u0000', message: 'must not have NUL in its name' });
    expect(unacceptableValue({ a: [1, { 'b/c': Infinity }] })).toEqual({ instancePath: '/a/1/b~1c', message: 'must be a finite number' });
    expect(unacceptableValue({ text: 'tab\tline\n', n: 1e308 })).toBeUndefined();
  });
});

describe('the router\'s refusals', () => {
  it('frameworkErrors answers a bad %-encoding (400) and an over-long parameter (414) in the error shape', async () => {
    const app = Fastify({ frameworkErrors });
    installErrorHandling(app);
    app.get('/things/:thingId', async () => ({ ok: true }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      expectErrorShape(await call(url, 'GET', '/things/%E0%A4%A'), 400);
      expectErrorShape(await call(url, 'GET', `/things/${'a'.repeat(200)}`), 414);
      expect((await call(url, 'GET', '/things/ok')).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('logging a failed statement', () => {
  it('names the statement but none of its parameter values', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const cause = Object.assign(new Error('invalid input syntax for type integer: "sess-secret-value"'), { code: '22P02', detail: 'value secret-detail' });
    const failure = new DrizzleQueryError('select * from connections where id = $1 and org_id = $2', ['sess-secret-value', 'org_1'], cause);
    createLogger('info', sink).error({ err: failure }, 'unhandled error');
    const logged = lines.join('');
    expect(logged).toContain('select * from connections where id = $1');
    expect(logged).toContain('22P02');
    expect(logged).toContain('invalid input syntax for type integer');
    expect(logged).not.toContain('sess-secret-value');
    expect(logged).not.toContain('secret-detail');
    expect(logged).not.toContain('org_1');
  });
});
