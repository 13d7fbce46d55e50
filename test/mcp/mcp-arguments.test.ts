// Bad tool arguments, of every shape an agent (or a hostile prompt) may send, through the MCP SDK's own client: each
// is a 4xx naming the offending argument — the route's own schema error where the argument reaches the route, the
// HTTP route's same answer where one exists — and never a 5xx. What the SDK's client cannot send (a number JSON
// cannot hold) goes as raw JSON-RPC over HTTP.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access, importConnection } from '../access/access-fixture.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { callTool, structuredOf, withMcp } from './mcp-client.ts';

type AnyRecord = Record<string, any>;

/** The request-level refusal the SDK's client throws (StreamableHTTPError: the HTTP status, our error body in its message). */
async function transportRefusalOf(client: Client, name: string, args: AnyRecord): Promise<{ status: number; body: AnyRecord }> {
  const error = await client.callTool({ name, arguments: args }).then(
    (result) => {
      throw new Error(`expected the request to be refused, got ${JSON.stringify(result).slice(0, 300)}`);
    },
    (refused: { code?: number; message: string }) => refused,
  );
  return { status: error.code ?? 0, body: JSON.parse(error.message.slice(error.message.indexOf('{'))) as AnyRecord };
}

describe.each(BACKENDS)('MCP tool arguments (%s)', (backend) => {
  let t: TestService;
  let key: string;
  let connectionId: string;

  beforeAll(async () => {
    t = await startTestService(backend);
    const orgId = await createOrg(t.database.handle, 'MCP arguments');
    key = (await createKey(t.database.handle, orgId, 'sandbox')).secret;
    connectionId = (await importConnection(t, { key })).id;
  }, 60_000);
  afterAll(async () => t?.close());

  /** Calls the tool and expects a 400 tool error naming `field`. */
  async function expectBadArgument(client: Client, name: string, args: AnyRecord, field: string): Promise<AnyRecord> {
    const result = await callTool(client, name, args);
    const refusal = structuredOf(result);
    expect(result.isError, `${name} ${JSON.stringify(args).slice(0, 100)}`).toBe(true);
    expect(refusal, `${name} ${JSON.stringify(args).slice(0, 100)}`).toMatchObject({ status: 400, code: 'BAD_REQUEST', details: { field } });
    return refusal;
  }

  it('wrong types in the query, the path and the body are 400s naming the argument', async () => {
    await withMcp(t.url, { key }, async (client) => {
      for (const limit of [true, [1, 2], { a: 1 }, 1.5, -1, 'lots']) await expectBadArgument(client, 'chats_list', { connectionId, limit }, 'limit');
      for (const userId of [{}, [], [1, 2], true, '', '.', '..', '\ud800', 'a\udfffb']) await expectBadArgument(client, 'chats_list_messages', { connectionId, userId }, 'userId');
      // (['x'] is 'x' to the route, as over HTTP: Ajv's array coercion.)
      for (const name of [null, { first: 'x' }, '']) await expectBadArgument(client, 'users_lists_create', { connectionId, name }, 'name');
      await expectBadArgument(client, 'list_connections', { status: 'gone' }, 'status');
      await expectBadArgument(client, 'list_connections', { limit: '5' }, 'limit');
      await expectBadArgument(client, 'whoami', { verbose: true }, 'verbose');
    });
  }, 60_000);

  it('huge integers are 400s naming the argument (the route\'s range), or the HTTP route\'s own answer for an id', async () => {
    await withMcp(t.url, { key }, async (client) => {
      for (const limit of [2 ** 64, 1e308, Number.MAX_SAFE_INTEGER + 2]) await expectBadArgument(client, 'chats_list', { connectionId, limit }, 'limit');
      for (const offset of [2 ** 64, 1e308]) await expectBadArgument(client, 'list_connections', { offset }, 'offset');
      // An id far past any fan's: what the HTTP route says for the same path, a 4xx.
      const http = await access(t, connectionId, 'GET', `/v2/access/chats/${String(2 ** 64)}/messages`, { key });
      expect(http.status).toBeGreaterThanOrEqual(400);
      expect(http.status).toBeLessThan(500);
      const { requestId: _tool, ...refusal } = structuredOf(await callTool(client, 'chats_list_messages', { connectionId, userId: 2 ** 64 }));
      const { requestId: _http, ...expected } = http.body;
      expect(refusal).toEqual({ status: http.status, ...expected });
      // A path parameter too long for a URL: the HTTP route's refusal.
      const longId = 'x'.repeat(10_000);
      const longHttp = await access(t, connectionId, 'GET', `/v2/access/chats/${longId}/messages`, { key });
      expect(longHttp.status).toBeLessThan(500);
      const { requestId: _long, ...longRefusal } = structuredOf(await callTool(client, 'chats_list_messages', { connectionId, userId: longId }));
      const { requestId: _longHttp, ...longExpected } = longHttp.body;
      expect(longRefusal).toEqual({ status: longHttp.status, ...longExpected });
    });
    // 1e309 is no number JSON.stringify writes (Infinity): sent as raw JSON-RPC text, refused before any tool runs.
    const raw = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"chats_list","arguments":{"connectionId":"${connectionId}","limit":1e309}}}`;
    const overflow = await call(t.url, 'POST', '/v2/mcp', { key, body: raw });
    expect(overflow.status).toBe(400);
    expect(overflow.body).toMatchObject({ code: 'BAD_REQUEST', details: { field: 'params.arguments.limit' } });
  }, 60_000);

  it('a NUL byte in any argument is refused with the request (400 naming params.arguments.<name>), before any tool or route', async () => {
    await withMcp(t.url, { key }, async (client) => {
      const cases: Array<[tool: string, args: AnyRecord, field: string]> = [
        ['chats_list', { connectionId, order: 'a\u0000b' }, 'order'],
        ['chats_list_messages', { connectionId, userId: '1\u0000' }, 'userId'],
        ['users_lists_create', { connectionId, name: 'Refused by NUL\u0000' }, 'name'],
        ['self_get', { connectionId: `${connectionId}\u0000` }, 'connectionId'],
        ['list_connections', { status: 'active\u0000' }, 'status'],
      ];
      for (const [tool, args, field] of cases) {
        const refusal = await transportRefusalOf(client, tool, args);
        expect(refusal.status, tool).toBe(400);
        expect(refusal.body, tool).toMatchObject({ code: 'BAD_REQUEST', details: { field: `params.arguments.${field}` } });
      }
    });
    // Nothing was created by the refused write.
    const lists = await access(t, connectionId, 'GET', '/v2/access/users/lists?limit=100', { key });
    expect(lists.status).toBe(200);
    expect(JSON.stringify(lists.body)).not.toContain('Refused by NUL');
  }, 60_000);

  it('a connectionId of no connection\'s shape is named: a 400 when it cannot be one, else the HTTP route\'s 401 for an unknown id', async () => {
    await withMcp(t.url, { key }, async (client) => {
      for (const bad of [123, ['conn_x'], { id: 'conn_x' }, true, '   ', null]) await expectBadArgument(client, 'self_get', { connectionId: bad }, 'connectionId');
      for (const bad of [`conn_a\r\nx-evil: 1`, 'conn_\u0007bell', 'conn_\u007f']) {
        const refusal = await expectBadArgument(client, 'self_get', { connectionId: bad }, 'connectionId');
        expect(refusal.message).toContain('control characters');
      }
      for (const unknown of ['not-a-connection', `conn_${'x'.repeat(10_000)}`, 'é😀', 'conn_\ud800', '../../v2/account/settings', 'conn_%2e%2e']) {
        const http = await access(t, unknown.length > 1000 || /[^\x20-\x7e]/.test(unknown) ? null : unknown, 'GET', '/v2/access/self', { key });
        const refusal = structuredOf(await callTool(client, 'self_get', { connectionId: unknown }));
        expect(refusal, unknown.slice(0, 40)).toMatchObject({ status: 401, code: 'SESSION_NOT_PROVIDED', details: { field: 'connectionId' } });
        if (http.body.details?.reason === 'connection_not_found') {
          const { requestId: _tool, ...tool } = refusal;
          const { requestId: _http, ...expected } = http.body;
          expect(tool).toEqual({ status: 401, ...expected, details: { ...expected.details, field: 'connectionId' } });
        } else {
          expect(refusal.details.reason).toBe('connection_not_found');
        }
      }
    });
  }, 60_000);
});
