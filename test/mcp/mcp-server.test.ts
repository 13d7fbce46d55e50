// The MCP endpoint driven by the MCP SDK's own client (Streamable HTTP over loopback), against a real service and the
// simulator: the tool list is the managed-endpoint table (compared with the OpenAPI document, entry by entry), and a
// tool call is the HTTP route's call — same data, same refusals (permission, pacing, another org's connection, bad
// arguments), in the request log like any Access call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_ENDPOINTS } from '../../src/access/catalogue.ts';
import { access, importConnection } from '../access/access-fixture.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { callTool, connectMcp, structuredOf, textJsonOf, withMcp } from './mcp-client.ts';

type AnyRecord = Record<string, any>;

const READ_PERMISSIONS = ['profile:read', 'messages:read', 'subscribers:read'];

/** `accessChatsListMessages` → `chats_list_messages`: the tool name for an operation id, as documented. */
const toolNameOf = (operationId: string) => operationId.replace(/^access(?=[A-Z])/, '').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const openApiPathOf = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
/** The simulator signs media URLs per request (issued, expires, sig): two reads of the same media differ only there. */
const unsigned = (reply: unknown) => JSON.parse(JSON.stringify(reply).replace(/\?issued=\d+&expires=\d+&sig=[0-9a-f]+/g, '?signed'));

interface ExpectedTool {
  name: string;
  summary: string;
  method: string;
  arguments: string[];
}

/** What the OpenAPI document says each managed endpoint takes: path and query parameters, and the JSON body's fields. */
function expectedToolsOf(document: AnyRecord): ExpectedTool[] {
  return MANAGED_ENDPOINTS.map((endpoint) => {
    const operation = document.paths[openApiPathOf(endpoint.url)][endpoint.method.toLowerCase()];
    const parameters = (operation.parameters ?? []).filter((p: AnyRecord) => p.in === 'path' || p.in === 'query').map((p: AnyRecord) => p.name);
    const body = operation.requestBody?.content?.['application/json']?.schema;
    const bodyFields = Object.keys(body?.properties ?? {});
    // DELETE bodies are read but not validated by the route, so not in the document: the catalogue's schema says.
    const deleteFields = endpoint.method === 'DELETE' ? Object.keys((endpoint.body as AnyRecord | undefined)?.properties ?? {}) : [];
    return { name: toolNameOf(operation.operationId), summary: endpoint.summary, method: endpoint.method, arguments: [...parameters, ...bodyFields, ...deleteFields] };
  });
}

describe.each(BACKENDS)('MCP server over Streamable HTTP (%s)', (backend) => {
  let t: TestService;
  let document: AnyRecord;

  beforeAll(async () => {
    t = await startTestService(backend);
    document = (await call(t.url, 'GET', '/openapi.json')).body;
  }, 60_000);
  afterAll(async () => t?.close());

  /** A new org with an `access`-scoped sandbox key, and a connection of it (default: every permission). */
  async function tenant(name: string, permissions?: string[]) {
    const orgId = await createOrg(t.database.handle, name);
    const key = (await createKey(t.database.handle, orgId, 'sandbox')).secret;
    const connection = await importConnection(t, { key, ...(permissions ? { permissions } : {}) });
    return { orgId, key, connectionId: connection.id };
  }

  it('lists one tool per managed endpoint, named after its OpenAPI operation id, with its summary, its arguments and readOnlyHint on reads', async () => {
    const { key } = await tenant('MCP tool list');
    const { tools } = await withMcp(t.url, { key }, (client) => client.listTools());
    const expected = expectedToolsOf(document);
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(tools.map((tool) => tool.name).sort()).toEqual([...expected.map((tool) => tool.name), 'list_connections', 'whoami'].sort());
    for (const entry of expected) {
      const tool = byName.get(entry.name)!;
      expect(tool.name, entry.name).toMatch(/^[a-z0-9_]{1,64}$/);
      expect(tool.description, entry.name).toContain(entry.summary);
      expect(tool.inputSchema.type).toBe('object');
      expect(Object.keys(tool.inputSchema.properties ?? {}).sort(), entry.name).toEqual(['connectionId', ...entry.arguments].sort());
      expect(tool.inputSchema.required, entry.name).toContain('connectionId');
      expect(tool.annotations?.readOnlyHint, entry.name).toBe(entry.method === 'GET');
    }
    expect(tools).toHaveLength(MANAGED_ENDPOINTS.length + 2);
    for (const name of ['list_connections', 'whoami']) expect(byName.get(name)?.annotations?.readOnlyHint, name).toBe(true);
    const deletes = expected.filter((entry) => entry.method === 'DELETE');
    expect(deletes.length).toBeGreaterThan(0);
    for (const entry of deletes) expect(byName.get(entry.name)?.annotations?.destructiveHint, entry.name).toBe(true);
    // The raw upload routes (bytes, not JSON) are in the document but are not tools.
    const uploadPaths = Object.keys(document.paths).filter((path) => path.startsWith('/v2/access/uploads/') && document.paths[path].put);
    expect(uploadPaths.length).toBeGreaterThan(0);
    for (const path of uploadPaths) expect(tools.some((tool) => tool.description?.includes(`PUT ${path.replace(/\{(\w+)\}/g, ':$1')}`))).toBe(false);
  }, 60_000);

  it('a read tool answers what its HTTP route answers (path, query and the connection as arguments)', async () => {
    const { key, connectionId } = await tenant('MCP reads');
    const self = await access(t, connectionId, 'GET', '/v2/access/self', { key });
    const chats = await access(t, connectionId, 'GET', '/v2/access/chats?limit=3&order=recent', { key });
    expect([self.status, chats.status]).toEqual([200, 200]);
    const fanId = String(chats.body.list[0].withUser.id);
    const messages = await access(t, connectionId, 'GET', `/v2/access/chats/${fanId}/messages?limit=5`, { key });
    expect(messages.status).toBe(200);
    await withMcp(t.url, { key }, async (client) => {
      const selfTool = await callTool(client, 'self_get', { connectionId });
      expect(selfTool.isError).toBeFalsy();
      expect(structuredOf(selfTool)).toEqual(self.body);
      expect(textJsonOf(selfTool)).toEqual(self.body);
      expect(unsigned(structuredOf(await callTool(client, 'chats_list', { connectionId, limit: 3, order: 'recent' })))).toEqual(unsigned(chats.body));
      const messagesTool = structuredOf(await callTool(client, 'chats_list_messages', { connectionId, userId: fanId, limit: 5 }));
      expect(messagesTool.list.length).toBeGreaterThan(0);
      expect(unsigned(messagesTool)).toEqual(unsigned(messages.body));
    });
  }, 60_000);

  it('a write tool sends its arguments as the route\'s body and path: the list it creates and renames is what HTTP then reads', async () => {
    const { key, connectionId } = await tenant('MCP writes');
    await withMcp(t.url, { key }, async (client) => {
      const created = await callTool(client, 'users_lists_create', { connectionId, name: 'Whales (by an agent)' });
      expect(created.isError).toBeFalsy();
      const listId = String(structuredOf(created).id);
      const renamed = await callTool(client, 'users_lists_update', { connectionId, listId, name: 'Top fans' });
      expect(renamed.isError).toBeFalsy();
      const read = await access(t, connectionId, 'GET', `/v2/access/users/lists/${listId}`, { key });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ name: 'Top fans' });
      expect(structuredOf(await callTool(client, 'users_lists_get', { connectionId, listId }))).toEqual(read.body);
    });
  }, 60_000);

  it('a tool call is an Access call: metered, in the connection\'s request log under the key and the MCP request\'s id, with the pacing state in _meta', async () => {
    const { orgId, key, connectionId } = await tenant('MCP log');
    const agent = await createKey(t.database.handle, orgId, 'sandbox', ['access']);
    const agentKey = agent.secret;
    const requestId = `req_mcplog${Date.now()}`;
    const usageOf = async () => {
      const report = await call(t.url, 'GET', `/v2/account/usage?connectionId=${connectionId}`, { key });
      expect(report.status).toBe(200);
      return report.body.totalRequests as number;
    };
    expect(await usageOf()).toBe(0);
    const result = await withMcp(t.url, { key: agentKey, headers: { 'x-request-id': requestId } }, (client) => callTool(client, 'subscriptions_count_get', { connectionId }));
    expect(result.isError).toBeFalsy();
    expect(result._meta?.['ofconnect/rate-limit']).toMatchObject({ limit: expect.any(Number), remaining: expect.any(Number) });
    const logged = await eventually(async () => {
      const log = await call(t.url, 'GET', `/v2/account/connections/${connectionId}/requests`, { key });
      expect(log.status, JSON.stringify(log.body)).toBe(200);
      return (log.body.list as AnyRecord[]).find((entry) => entry.path === '/v2/access/subscriptions/count');
    }, { timeoutMs: 20_000, what: 'the tool call in the request log' });
    expect(logged).toMatchObject({ method: 'GET', status: 200, requestId, apiKeyId: agent.id });
    // Metered as one Access request of this connection (usage counts in batches: wait for it to land).
    await eventually(async () => ((await usageOf()) === 1 ? true : undefined), { timeoutMs: 20_000, what: 'the tool call in the usage report' });
    // list_connections and whoami do not reach OnlyFans: not metered.
    await withMcp(t.url, { key: agentKey }, async (client) => {
      await callTool(client, 'whoami');
      await callTool(client, 'list_connections');
    });
    expect(await usageOf()).toBe(1);
  }, 60_000);

  it('a write tool on a connection without the permission is refused with the HTTP route\'s error (403 naming the permission)', async () => {
    const { key, connectionId } = await tenant('MCP refusals', READ_PERMISSIONS);
    const http = await access(t, connectionId, 'PATCH', '/v2/access/self', { key, body: { name: 'Renamed' } });
    expect(http.status).toBe(403);
    const result = await withMcp(t.url, { key }, (client) => callTool(client, 'self_update', { connectionId, name: 'Renamed' }));
    expect(result.isError).toBe(true);
    const { requestId: _tool, ...refusal } = structuredOf(result);
    const { requestId: _http, ...expected } = http.body;
    expect(refusal).toEqual({ status: 403, ...expected });
    expect(refusal.details.requiredPermission).toBe('profile:write');
  }, 60_000);

  it('every write tool on a connection without its permission answers what its HTTP route answers, for the same arguments', async () => {
    const { key, connectionId } = await tenant('MCP refusals, every write', READ_PERMISSIONS);
    /** A value the schema accepts, roughly (a refusal by both sides' validation still compares). */
    const sample = (schema: AnyRecord): unknown => {
      if (schema.const !== undefined) return schema.const;
      if (schema.enum) return schema.enum[0];
      const variant = schema.anyOf?.[0] ?? schema.oneOf?.[0];
      if (variant) return sample(variant);
      if (schema.type === 'integer' || schema.type === 'number') return schema.minimum ?? 1;
      if (schema.type === 'boolean') return false;
      if (schema.type === 'array') return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items ?? {}));
      if (schema.type === 'object') return Object.fromEntries((schema.required ?? []).map((name: string) => [name, sample(schema.properties[name])]));
      if (schema.pattern && new RegExp(schema.pattern).test('1')) return '1';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    };
    const statuses: number[] = [];
    const writes = MANAGED_ENDPOINTS.filter((endpoint) => endpoint.method !== 'GET');
    expect(writes.length).toBeGreaterThan(30);
    await withMcp(t.url, { key }, async (client) => {
      const { tools } = await client.listTools();
      for (const endpoint of writes) {
        const operation = document.paths[openApiPathOf(endpoint.url)][endpoint.method.toLowerCase()];
        const tool = tools.find((listed) => listed.name === toolNameOf(operation.operationId))!;
        const { connectionId: _connection, ...args } = sample(tool.inputSchema) as AnyRecord;
        const placeOf = (name: string) => (operation.parameters ?? []).find((p: AnyRecord) => p.name === name)?.in ?? 'body';
        let path = endpoint.url;
        const query = new URLSearchParams();
        const body: AnyRecord = {};
        for (const [name, value] of Object.entries(args)) {
          const place = placeOf(name);
          if (place === 'path') path = path.replace(`:${name}`, encodeURIComponent(String(value)));
          else if (place === 'query') query.append(name, String(value));
          else body[name] = value;
        }
        const hasBody = endpoint.body !== undefined && (endpoint.method !== 'DELETE' || Object.keys(body).length > 0);
        const url = query.size ? `${path}?${query}` : path;
        const http = await access(t, connectionId, endpoint.method, url, { key, ...(hasBody ? { body } : {}) });
        const label = `${tool.name} ${JSON.stringify(args)}`;
        statuses.push(http.status);
        const { requestId: _tool, ...refusal } = structuredOf(await callTool(client, tool.name, { connectionId, ...args }));
        const { requestId: _http, ...expected } = http.body;
        expect(refusal, label).toEqual({ status: http.status, ...expected });
        if (http.status === 403) expect(refusal.details.requiredPermission, label).toBe(endpoint.permission);
        else expect(http.status, `${label}: ${JSON.stringify(http.body)}`).toBe(400);
      }
    });
    // Most samples pass validation and meet the permission check (the rest are the same 400 on both sides).
    expect(statuses.filter((status) => status === 403).length).toBeGreaterThan(writes.length * 0.8);
  }, 60_000);

  it('pacing applies: the call past the connection\'s burst is a 429 tool error saying when to retry', async () => {
    const { key, connectionId } = await tenant('MCP pacing');
    const set = await call(t.url, 'PATCH', `/v2/account/connections/${connectionId}/settings`, { key, body: { pacing: { requestsPerMinute: 5, burst: 2 } } });
    expect(set.status).toBe(200);
    const { results, http } = await withMcp(t.url, { key }, async (client) => {
      const replies = [];
      for (let i = 0; i < 3; i++) replies.push(await callTool(client, 'self_get', { connectionId }));
      // The HTTP route, refused by the same bucket just after: its Retry-After is what the tool said.
      const httpReply = await access(t, connectionId, 'GET', '/v2/access/self', { key });
      return { results: replies, http: httpReply };
    });
    expect(results.map((result) => Boolean(result.isError))).toEqual([false, false, true]);
    expect(http.status).toBe(429);
    const refusal = structuredOf(results[2]);
    expect(refusal).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED', type: http.body.type });
    // One token comes back every 12 s at 5/min.
    expect(refusal.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refusal.retryAfterSeconds).toBeLessThanOrEqual(12);
    expect(refusal.retryAfterSeconds).toBe(refusal.details.retryAfter);
    expect(Math.abs(refusal.retryAfterSeconds - Number(http.headers['retry-after']))).toBeLessThanOrEqual(1);
    expect(results[2].content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/Retry in \d+ s/) });
  }, 60_000);

  it('a key of another org cannot name this org\'s connection: answered as a connection that does not exist', async () => {
    const { connectionId } = await tenant('MCP owner');
    const other = await tenant('MCP other');
    await withMcp(t.url, { key: other.key }, async (client) => {
      const foreign = structuredOf(await callTool(client, 'self_get', { connectionId }));
      const missing = structuredOf(await callTool(client, 'self_get', { connectionId: 'conn_doesnotexist0000000000' }));
      expect(foreign).toMatchObject({ status: 401, code: 'SESSION_NOT_PROVIDED', details: { reason: 'connection_not_found' } });
      expect(foreign.message.replace(connectionId, 'ID')).toBe(missing.message.replace('conn_doesnotexist0000000000', 'ID'));
      const listed = structuredOf(await callTool(client, 'list_connections'));
      expect(listed.list.map((c: AnyRecord) => c.id)).toEqual([other.connectionId]);
    });
    // Bound by header instead of an argument: the same refusal.
    const bound = await withMcp(t.url, { key: other.key, connectionId }, (client) => callTool(client, 'self_get'));
    expect(structuredOf(bound)).toMatchObject({ status: 401, code: 'SESSION_NOT_PROVIDED' });
  }, 60_000);

  it('a key of the same org\'s other environment cannot name its connection either (sandbox connection, live key): as an unknown id', async () => {
    const { orgId, connectionId } = await tenant('MCP environments');
    const liveKey = (await createKey(t.database.handle, orgId, 'live')).secret;
    const http = await access(t, connectionId, 'GET', '/v2/access/self', { key: liveKey });
    expect(http.status).toBe(401);
    await withMcp(t.url, { key: liveKey }, async (client) => {
      const { requestId: _tool, ...refusal } = structuredOf(await callTool(client, 'self_get', { connectionId }));
      const { requestId: _http, ...expected } = http.body;
      expect(refusal).toEqual({ status: 401, ...expected, details: { ...expected.details, field: 'connectionId' } });
      expect(refusal.details.reason).toBe('connection_not_found');
      expect(structuredOf(await callTool(client, 'list_connections')).list).toEqual([]);
      expect(structuredOf(await callTool(client, 'whoami'))).toMatchObject({ organization: { id: orgId }, apiKey: { environment: 'live' } });
    });
    const bound = await withMcp(t.url, { key: liveKey, connectionId }, (client) => callTool(client, 'self_get'));
    const { requestId: _bound, ...boundRefusal } = structuredOf(bound);
    const { requestId: _http, ...expected } = http.body;
    expect(boundRefusal).toEqual({ status: 401, ...expected });
  }, 60_000);

  it('bad arguments get the schema\'s error naming the field (a 400 tool error, never a 5xx); an unknown tool is invalid params', async () => {
    const { key, connectionId } = await tenant('MCP bad arguments');
    const http = await access(t, connectionId, 'GET', '/v2/access/chats?limit=lots', { key });
    expect(http.status).toBe(400);
    await withMcp(t.url, { key }, async (client) => {
      const wrongType = structuredOf(await callTool(client, 'chats_list', { connectionId, limit: 'lots' }));
      const { requestId: _tool, ...refusal } = wrongType;
      const { requestId: _http, ...expected } = http.body;
      expect(refusal).toEqual({ status: 400, ...expected });
      expect(wrongType.details.field).toBe('limit');
      const outOfRange = structuredOf(await callTool(client, 'chats_list', { connectionId, limit: 1000 }));
      expect(outOfRange).toMatchObject({ status: 400, code: 'BAD_REQUEST', details: { field: 'limit' } });
      const missingPath = structuredOf(await callTool(client, 'chats_list_messages', { connectionId }));
      expect(missingPath).toMatchObject({ status: 400, code: 'BAD_REQUEST', details: { field: 'userId' } });
      const missingBody = structuredOf(await callTool(client, 'users_lists_create', { connectionId }));
      expect(missingBody).toMatchObject({ status: 400, code: 'BAD_REQUEST', details: { field: 'name' } });
      const unknown = structuredOf(await callTool(client, 'chats_list', { connectionId, limt: 3 }));
      expect(unknown).toMatchObject({ status: 400, code: 'BAD_REQUEST', details: { field: 'limt' } });
      const noConnection = structuredOf(await callTool(client, 'chats_list', {}));
      expect(noConnection).toMatchObject({ status: 400, code: 'BAD_REQUEST', details: { field: 'connectionId' } });
      const badPage = structuredOf(await callTool(client, 'list_connections', { limit: 0 }));
      expect(badPage).toMatchObject({ status: 400, code: 'BAD_REQUEST', details: { field: 'limit' } });
      await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(/Unknown tool: no_such_tool/);
    });
  }, 60_000);

  it('the read-only endpoint lists only read tools and refuses a write tool called anyway (nothing changes)', async () => {
    const { key, connectionId } = await tenant('MCP read-only');
    const before = await access(t, connectionId, 'GET', '/v2/access/self', { key });
    await withMcp(t.url, { key, path: '/v2/mcp/read-only' }, async (client) => {
      const { tools } = await client.listTools();
      const reads = MANAGED_ENDPOINTS.filter((endpoint) => endpoint.method === 'GET').length;
      expect(tools).toHaveLength(reads + 2);
      expect(tools.every((tool) => tool.annotations?.readOnlyHint === true)).toBe(true);
      // Every write tool of the full endpoint, called here anyway, is refused before its route runs.
      const everyTool = (await withMcp(t.url, { key }, (full) => full.listTools())).tools;
      const writes = everyTool.filter((tool) => tool.annotations?.readOnlyHint !== true);
      expect(writes).toHaveLength(MANAGED_ENDPOINTS.length - reads);
      expect(tools.map((tool) => tool.name).sort()).toEqual(everyTool.filter((tool) => tool.annotations?.readOnlyHint === true).map((tool) => tool.name).sort());
      for (const write of writes) {
        const refusal = structuredOf(await callTool(client, write.name, { connectionId }));
        expect(refusal, write.name).toMatchObject({ status: 403, code: 'FORBIDDEN', details: { tool: write.name, readOnly: true } });
      }
      const refused = await callTool(client, 'self_update', { connectionId, name: 'Renamed by an agent' });
      expect(refused.isError).toBe(true);
      expect(structuredOf(refused)).toMatchObject({ status: 403, code: 'FORBIDDEN', details: { tool: 'self_update', readOnly: true } });
      expect(structuredOf(await callTool(client, 'self_get', { connectionId }))).toEqual(before.body);
      expect(structuredOf(await callTool(client, 'whoami'))).toMatchObject({ readOnly: true, tools: reads + 2 });
    });
    expect((await access(t, connectionId, 'GET', '/v2/access/self', { key })).body).toEqual(before.body);
  }, 60_000);

  it('bound to a connection by x-connection-id: tools take no connectionId, whoami names it; list_connections pages', async () => {
    const { orgId, key, connectionId } = await tenant('MCP bound');
    const second = await importConnection(t, { key });
    await withMcp(t.url, { key, connectionId }, async (client) => {
      const { tools } = await client.listTools();
      expect(tools.find((tool) => tool.name === 'self_get')?.inputSchema.properties).not.toHaveProperty('connectionId');
      expect(structuredOf(await callTool(client, 'self_get'))).toHaveProperty('id');
      expect(structuredOf(await callTool(client, 'self_get', { connectionId: second.id }))).toMatchObject({ status: 400, details: { field: 'connectionId' } });
      expect(structuredOf(await callTool(client, 'whoami'))).toMatchObject({
        organization: { id: orgId, name: 'MCP bound' },
        apiKey: { environment: 'sandbox' },
        connectionId,
        readOnly: false,
      });
      const first = structuredOf(await callTool(client, 'list_connections', { limit: 1 }));
      expect(first.hasMore).toBe(true);
      expect(first.list).toEqual([expect.objectContaining({ id: second.id, status: 'active', username: expect.any(String) })]);
      const rest = structuredOf(await callTool(client, 'list_connections', { limit: 1, offset: 1, status: 'active' }));
      expect(rest).toMatchObject({ hasMore: false, list: [{ id: connectionId }] });
    });
  }, 60_000);

  it('refuses a missing or invalid API key (401) and a key without the access scope (403), before any tool', async () => {
    const orgId = await createOrg(t.database.handle, 'MCP keys');
    const accountOnly = (await createKey(t.database.handle, orgId, 'sandbox', ['account'])).secret;
    const attempts: Array<[key: string | null, status: number, code: string]> = [
      [null, 401, 'UNAUTHORIZED'],
      ['sk_sandbox_notakey', 401, 'UNAUTHORIZED'],
      [accountOnly, 403, 'FORBIDDEN'],
    ];
    for (const [key, status, code] of attempts) {
      const refusal = await connectMcp(t.url, { key }).then(
        async (client) => {
          await client.close();
          return null;
        },
        (error: { code?: number; message: string }) => error,
      );
      // The SDK's StreamableHTTPError: the HTTP status as its code, our error body in its message.
      expect(refusal?.code, String(key)).toBe(status);
      expect(refusal?.message).toContain(`"code":"${code}"`);
    }
    const get = await call(t.url, 'GET', '/v2/mcp', { key: t.adminKey });
    expect(get.status).toBe(405);
  }, 60_000);

  it('plain HTTP (curl) works too: JSON in, JSON out, without an Accept header; a body that is no JSON-RPC message is a 400 in the API\'s error shape', async () => {
    const { key, connectionId } = await tenant('MCP curl');
    const listed = await call(t.url, 'POST', '/v2/mcp', { key, body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    expect(listed.status).toBe(200);
    expect(listed.headers['x-request-id']).toMatch(/^req_/);
    expect(listed.body.result.tools.length).toBe(MANAGED_ENDPOINTS.length + 2);
    const called = await call(t.url, 'POST', '/v2/mcp', {
      key,
      body: { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'self_get', arguments: { connectionId } } },
    });
    expect(called.status).toBe(200);
    expect(called.body).toMatchObject({ jsonrpc: '2.0', id: 'a', result: { structuredContent: { id: expect.anything() } } });
    // The reply's id is the request's, type and all (a client matching replies by id would not find "1" for 1).
    for (const id of [7, '7', 'abc']) {
      const echoed = await call(t.url, 'POST', '/v2/mcp', { key, body: { jsonrpc: '2.0', id, method: 'tools/list' } });
      expect(echoed.body.id, JSON.stringify(id)).toStrictEqual(id);
    }
    const badId = await call(t.url, 'POST', '/v2/mcp', { key, body: { jsonrpc: '2.0', id: { no: 1 }, method: 'tools/list' } });
    expect(badId.status).toBe(400);
    const notification = await call(t.url, 'POST', '/v2/mcp', { key, body: { jsonrpc: '2.0', method: 'notifications/initialized' } });
    expect(notification.status).toBe(202);
    const notJsonRpc = await call(t.url, 'POST', '/v2/mcp', { key, body: { jsonrpc: '2.0', id: 1 } });
    expect(notJsonRpc.status).toBe(400);
    expect(notJsonRpc.body).toMatchObject({ code: 'BAD_REQUEST', details: { field: 'body' } });
    const htmlOnly = await call(t.url, 'POST', '/v2/mcp', { key, headers: { accept: 'text/html' }, body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    expect(htmlOnly.status).toBe(400);
    expect(htmlOnly.body).toMatchObject({ code: 'BAD_REQUEST', details: { field: 'accept' } });
    // A request whose params are of the wrong kind (a tool name, arguments, a cursor): a 400 naming the field (the
    // SDK's own check would answer a JSON-RPC internal error with its validator's raw report).
    const wrongKinds = [
      ['tools/call', { name: [], arguments: {} }, 'params.name'],
      ['tools/call', {}, 'params.name'],
      ['tools/call', { name: 'self_get', arguments: 5 }, 'params.arguments'],
      ['tools/call', { name: 'self_get', arguments: ['x'] }, 'params.arguments'],
      ['tools/list', { cursor: 5 }, 'params.cursor'],
      ['initialize', {}, 'params.protocolVersion'],
    ] as const;
    for (const [method, params, field] of wrongKinds) {
      const wrongKind = await call(t.url, 'POST', '/v2/mcp', { key, body: { jsonrpc: '2.0', id: 1, method, params } });
      expect(wrongKind.status, field).toBe(400);
      expect(wrongKind.body, field).toMatchObject({ code: 'BAD_REQUEST', details: { field } });
    }
    const badVersion = await call(t.url, 'POST', '/v2/mcp', { key, headers: { 'mcp-protocol-version': '1999-01-01' }, body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    expect(badVersion.status).toBe(400);
    expect(badVersion.body).toMatchObject({ code: 'BAD_REQUEST', details: { field: 'mcp-protocol-version' } });
  }, 60_000);
});
