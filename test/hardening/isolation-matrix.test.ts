// Org and environment isolation, generated from the route table: two orgs get one of everything through the public
// API, then every operation of /openapi.json that takes an API key is called with one org's ids (path, query, body,
// x-connection-id) by the other org's key and by the org's own key of the other environment (both directions), and
// again with ids of the same shape that exist nowhere. The two must answer alike (same status, same error type, the
// same message once the id is set aside), no reply may show the org's identifiers or secrets, and afterwards both
// orgs' resources read exactly as before. A route added tomorrow is in the matrix without anyone listing it. The MCP
// endpoint is one path of the document; each of its tools is called too (mcp-tools.ts), naming the connection by the
// connectionId argument and, bound, by the x-connection-id header, and judged by the status and body the tool carries.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importConnection } from '../access/access-fixture.ts';
import { startReceiver, type Receiver } from '../webhooks/receiver.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type ApiReply, type TestService } from '../support/service.ts';
import { releaseAll } from '../support/cleanup.ts';
import { effectiveReplyOf, mcpToolsOf, toolCallBody } from './mcp-tools.ts';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  format?: string;
  minimum?: number;
  minLength?: number;
  pattern?: string;
  default?: unknown;
};
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: { contentType: string; schema: Schema } | null;
  /** An MCP tool behind the path: called with tools/call, the connection by argument or bound by the header. */
  tool?: { name: string; inputSchema: Schema; isBound: boolean };
}

/** Each MCP tool, twice: the connection as its connectionId argument, and bound by x-connection-id (no argument). */
function toolOperationsOf(tools: Array<{ path: string; name: string; inputSchema: Schema }>): Operation[] {
  const seen = new Set<string>();
  return tools
    .filter((tool) => !seen.has(tool.name) && seen.add(tool.name))
    .flatMap((tool) =>
      [false, true].map((isBound) => {
        const { connectionId: _argument, ...properties } = tool.inputSchema.properties ?? {};
        const inputSchema = isBound ? { ...tool.inputSchema, properties, required: tool.inputSchema.required?.filter((name) => name !== 'connectionId') } : tool.inputSchema;
        return { method: 'POST', path: tool.path, parameters: [], body: null, tool: { name: tool.name, inputSchema, isBound } };
      }),
    );
}

/** The names under which an org-owned id travels, path, query, header or body, and which of the org's ids goes there. */
const ID_SLOTS: Record<string, keyof OrgIds> = {
  connectionId: 'connectionId',
  'x-connection-id': 'connectionId',
  endpointId: 'endpointId',
  messageId: 'messageId',
  appId: 'appId',
  clientAppId: 'appId',
  keyId: 'keyId',
  clientSecret: 'clientSecret',
};

interface OrgIds {
  connectionId: string;
  endpointId: string;
  messageId: string;
  appId: string;
  keyId: string;
  clientSecret: string;
}

/** An id of the same shape (prefix and length) that exists nowhere. */
function lookalike(id: string): string {
  const cut = id.lastIndexOf('_') + 1;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const tail = [...randomBytes(id.length - cut)].map((b) => alphabet[b % alphabet.length]).join('');
  return id.slice(0, cut) + tail;
}

function operationsOf(document: any): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<any>(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method];
      if (!op?.security) continue; // only routes that take a key have an org to leak
      const content = op.requestBody?.content ?? {};
      const contentType = Object.keys(content)[0];
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: [...(item.parameters ?? []), ...(op.parameters ?? [])],
        body: contentType ? { contentType, schema: content[contentType].schema ?? {} } : null,
      });
    }
  }
  return operations;
}

/** A small value a schema accepts (good enough to get past validation for most; a 400 on both sides still compares). */
function sampleOf(schema: Schema, name: string, ids: OrgIds): unknown {
  const slot = ID_SLOTS[name];
  if (slot) return ids[slot];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const variant = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (variant) return sampleOf(variant, name, ids);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || ID_SLOTS[key]) out[key] = sampleOf(property, key, ids);
      }
      return out;
    }
    case 'array':
      return schema.items ? [sampleOf(schema.items, name, ids)] : [];
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'uri' || /url/i.test(name)) return 'https://example.com/hook';
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format === 'email') return 'someone@example.com';
      if (schema.pattern) {
        const pattern = new RegExp(schema.pattern);
        const fit = ['1', 'x', 'a1', 'abc', 'US', '123456', 'abcdef', '2024-01-01', '0123456789abcdef0123456789abcdef'].find(
          (candidate) => pattern.test(candidate) && candidate.length >= (schema.minLength ?? 0),
        );
        if (fit) return fit;
      }
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return 'x';
  }
}

interface BuiltRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Which of the org's ids this request carries. */
  carried: string[];
}

function buildToolRequest(op: Operation, tool: NonNullable<Operation['tool']>, ids: OrgIds): BuiltRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (tool.isBound) headers['x-connection-id'] = ids.connectionId;
  const body = toolCallBody(tool, sampleOf(tool.inputSchema, 'arguments', ids));
  const carried = Object.values(ids).filter((id) => body.includes(id) || headers['x-connection-id'] === id);
  return { method: op.method, path: op.path, headers, body, carried };
}

function buildRequest(op: Operation, ids: OrgIds): BuiltRequest {
  if (op.tool) return buildToolRequest(op, op.tool, ids);
  const used = new Set<string>();
  const take = (name: string, schema: Schema = {}) => {
    const value = sampleOf(schema, name, ids);
    if (ID_SLOTS[name]) used.add(String(value));
    return value;
  };
  let path = op.path.replace('{*}', 'users/me');
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const p of op.parameters) {
    const isIdSlot = ID_SLOTS[p.name] !== undefined;
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(String(take(p.name, p.schema))));
    else if (p.in === 'query' && (p.required || isIdSlot)) query.set(p.name, String(take(p.name, p.schema)));
    else if (p.in === 'header' && (p.required || isIdSlot)) headers[p.name] = String(take(p.name, p.schema));
  }
  // Access routes name the connection in a header even when the document lists it only once for the proxy.
  if (path.startsWith('/v2/access/') && !headers['x-connection-id']) headers['x-connection-id'] = String(take('x-connection-id'));
  let body: string | undefined;
  if (op.body) {
    headers['content-type'] = op.body.contentType;
    body = op.body.contentType.includes('json') ? JSON.stringify(take('body', op.body.schema)) : 'bytes';
    for (const id of Object.values(ids)) if (body.includes(id)) used.add(id);
  }
  const search = query.toString();
  return { method: op.method, path: search ? `${path}?${search}` : path, headers, body, carried: [...used] };
}

/** The reply, or for a tool call the reply it carries (its status and body: a tool error's, or the route's data). */
async function send(t: TestService, key: string, request: BuiltRequest, op: Operation): Promise<ApiReply> {
  const reply = await call(t.url, request.method, request.path, { key, headers: request.headers, body: request.body });
  if (!op.tool) return reply;
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const carried = effectiveReplyOf({ status: reply.status, headers: reply.headers, text });
  let body: unknown = carried.text;
  try {
    body = JSON.parse(carried.text);
  } catch {
    // A tool's text reply stays text.
  }
  return { status: carried.status, headers: carried.headers, body };
}

const labelOf = (op: Operation) => `${op.method} ${op.path}${op.tool ? ` tool ${op.tool.name}${op.tool.isBound ? ' (bound by x-connection-id)' : ' (connectionId argument)'}` : ''}`;

/** What a reply says, with the ids the request carried set aside (an error may name the id it was given). */
function gist(reply: ApiReply, carried: string[]): { status: number; type: string | null; message: string | null } {
  const body = reply.body as Record<string, unknown> | string;
  if (typeof body !== 'object' || body === null) return { status: reply.status, type: null, message: null };
  let message = typeof body.message === 'string' ? body.message : null;
  for (const id of carried) message = message?.split(id).join('<id>') ?? null;
  return { status: reply.status, type: typeof body.type === 'string' ? body.type : null, message };
}

/** A reply's body with the ids it was sent, request ids and timestamps set aside, for comparing two replies. */
function sameness(reply: ApiReply, carried: string[]): string {
  let text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  for (const id of carried) text = text.split(id).join('<id>');
  return `${reply.status} ${text.replace(/req_[A-Za-z0-9]+/g, '<req>').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')}`;
}

/** One org's resources, made through the public API with its own sandbox admin key. */
interface OrgFixture {
  name: string;
  key: string;
  /** The same org's key of the other environment (live). */
  liveKey: string;
  ids: OrgIds;
  /** Everything of the org's that must never show in a foreign reply. */
  secrets: string[];
}

describe.each(BACKENDS)('isolation matrix: every keyed route × a foreign org and a foreign environment (%s)', (backend) => {
  let t: TestService;
  let receiver: Receiver;
  let orgA: OrgFixture;
  let orgB: OrgFixture;
  let operations: Operation[];

  async function setUpOrg(name: string, orgId: string, key: string): Promise<OrgFixture> {
    const endpoint = await call(t.url, 'POST', '/v2/webhooks/endpoints', { key, body: { url: `${receiver.url}/${name}` } });
    expect(endpoint.status).toBe(201);
    const connection = await importConnection(t, { key });
    const app = await call(t.url, 'POST', '/v2/client-apps', {
      key,
      body: { name: `${name} app`, integrationType: 'redirect', redirectUris: ['http://127.0.0.1:4555/callback'] },
    });
    expect(app.status).toBe(201);
    const created = await call(t.url, 'POST', '/v2/api-keys', { key, body: { name: `${name} key`, scopes: ['account'] } });
    expect(created.status).toBe(201);
    const link = await call(t.url, 'POST', '/v2/link/init', { key, body: { clientAppId: app.body.id } });
    expect(link.status).toBe(200);
    const clientSecret = /cs_[A-Za-z0-9]+/.exec(link.body.url)![0];
    // The import's event, delivered (so its status no longer moves while the matrix runs).
    const messageId = await eventually(async () => {
      const messages = await call(t.url, 'GET', '/v2/webhooks/messages', { key });
      const delivered = messages.body.list?.find((m: { status: string }) => m.status !== 'pending' && m.status !== 'sending');
      return delivered?.id as string | undefined;
    }, { timeoutMs: 30_000, what: `a delivered webhook message of ${name}` });
    const ids = { connectionId: connection.id, endpointId: endpoint.body.id, messageId, appId: app.body.id, keyId: created.body.id, clientSecret };
    const self = await call(t.url, 'GET', `/v2/account/connections/${connection.id}`, { key });
    const secrets = [...Object.values(ids), endpoint.body.secret, created.body.key, self.body.userData?.username].filter(Boolean);
    const liveKey = (await createKey(t.database.handle, orgId, 'live')).secret;
    return { name, key, liveKey, ids, secrets };
  }

  /**
   * The fixture's resources as the org's own key reads them (fields that move on their own set aside). Only these:
   * the matrix also calls routes that take no id with the org's own keys, which may add to its own lists.
   */
  async function snapshotOf(org: OrgFixture): Promise<string> {
    const { ids } = org;
    const reads = [
      `/v2/account/connections/${ids.connectionId}`,
      `/v2/account/connections/${ids.connectionId}/settings`,
      `/v2/webhooks/endpoints/${ids.endpointId}`,
      `/v2/webhooks/endpoints/${ids.endpointId}/secret`,
      `/v2/webhooks/messages/${ids.messageId}`,
      `/v2/client-apps/${ids.appId}`,
      `/v2/api-keys`,
      `/v2/link/${ids.clientSecret}`,
    ];
    const replies = [];
    for (const path of reads) {
      const res = await call(t.url, 'GET', path, { key: org.key });
      expect(res.status, `${org.name} ${path}`).toBe(200);
      const body = path === '/v2/api-keys' ? res.body.list.find((k: { id: string }) => k.id === ids.keyId) : res.body;
      replies.push([path, body]);
    }
    return JSON.stringify(replies, (key, value) => (key === 'lastUsedAt' || key === 'lastCheckedAt' ? undefined : value));
  }

  beforeAll(async () => {
    [t, receiver] = await Promise.all([startTestService(backend), startReceiver()]);
    const otherOrgId = await createOrg(t.database.handle, 'Org B');
    const otherKey = (await createKey(t.database.handle, otherOrgId, 'sandbox')).secret;
    // Two orgs with one of everything: A is the bootstrap org, B one made like the CLI makes them.
    [orgA, orgB] = await Promise.all([setUpOrg('A', t.orgId, t.adminKey), setUpOrg('B', otherOrgId, otherKey)]);
    const document = await call(t.url, 'GET', '/openapi.json');
    operations = [...operationsOf(document.body), ...toolOperationsOf(await mcpToolsOf(t.url, document.body, orgA.key))];
  }, 90_000);
  afterAll(() => releaseAll(() => receiver?.close(), () => t?.close()));

  it('covers the route table: every keyed operation, including those naming a connection, endpoint, message, app, key or Link session', () => {
    expect(operations.length).toBeGreaterThan(100);
    const named = new Set(operations.flatMap((op) => op.parameters.map((p) => p.name)));
    for (const name of ['connectionId', 'endpointId', 'messageId', 'appId', 'keyId', 'clientSecret', 'x-connection-id']) {
      expect(named, name).toContain(name);
    }
    // Every MCP tool, by argument and bound: as many as the tools the endpoint lists, twice.
    const tools = operations.filter((op) => op.tool);
    expect(tools.length).toBeGreaterThan(200);
    expect(tools.filter((op) => !op.tool!.isBound).every((op) => op.tool!.name === 'list_connections' || op.tool!.name === 'whoami' || op.tool!.inputSchema.required?.includes('connectionId'))).toBe(true);
  });

  it('a foreign org and a foreign environment read nothing, write nothing, and cannot tell "not yours" from "does not exist"', async () => {
    const before = [await snapshotOf(orgA), await snapshotOf(orgB)];
    const problems: string[] = [];
    const directions = [
      { who: 'org B', key: orgB.key, victim: orgA },
      { who: 'org A live', key: orgA.liveKey, victim: orgA },
      { who: 'org A', key: orgA.key, victim: orgB },
      { who: 'org B live', key: orgB.liveKey, victim: orgB },
    ];
    for (const { who, key, victim } of directions) {
      const fakeIds = Object.fromEntries(Object.entries(victim.ids).map(([k, v]) => [k, lookalike(v)])) as unknown as OrgIds;
      for (const op of operations) {
        const label = `${who} on org ${victim.name}'s ids: ${labelOf(op)}`;
        const real = buildRequest(op, victim.ids);
        const fake = buildRequest(op, fakeIds);
        const realReply = await send(t, key, real, op);
        const fakeReply = await send(t, key, fake, op);
        // 503 is the live environment's missing upstream configuration (dynamic rules), not a fault.
        if ([realReply.status, fakeReply.status].some((s) => s >= 500 && s !== 503)) problems.push(`${label}: 5xx (${realReply.status}/${fakeReply.status})`);
        // A 2xx with the org's ids is only the answer for an id that does not exist (an empty filtered list, {status:"not_found"}).
        if (real.carried.length > 0 && realReply.status < 300 && sameness(realReply, real.carried) !== sameness(fakeReply, fake.carried)) {
          problems.push(`${label}: the ids were accepted (${realReply.status}) with a reply unlike an unknown id's`);
        }
        const realGist = gist(realReply, real.carried);
        const fakeGist = gist(fakeReply, fake.carried);
        // A route that takes no id got the same request twice: nothing to compare (its second may meet a rate limit).
        if (real.carried.length > 0 && JSON.stringify(realGist) !== JSON.stringify(fakeGist)) {
          problems.push(`${label}: not yours ${JSON.stringify(realGist)} ≠ does not exist ${JSON.stringify(fakeGist)}`);
        }
        let text = typeof realReply.body === 'string' ? realReply.body : JSON.stringify(realReply.body);
        for (const id of real.carried) text = text.split(id).join('<sent>');
        const leaked = victim.secrets.filter((secret) => text.includes(secret));
        if (leaked.length) problems.push(`${label}: reply shows ${leaked.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
    expect([await snapshotOf(orgA), await snapshotOf(orgB)]).toEqual(before);
  }, 120_000);
});
