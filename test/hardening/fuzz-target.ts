// The service a fuzz run aims at: a real ofconnect on a loopback port over a fresh database, its OpenAPI document,
// and a digest of every table a request can write, to show that a refused write changed nothing.
import { eq, sql } from 'drizzle-orm';
import { request } from 'undici';
import { CONNECTION_PERMISSIONS } from '../../src/account/permissions.ts';
import { connections } from '../../src/connections/tables.ts';
import type { DatabaseHandle } from '../../src/platform/db/database.ts';
import type { Backend } from '../support/databases.ts';
import { createLinkConnection } from '../support/link-connections.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import type { Operation, Reply } from './fuzz-engine.ts';
import { effectiveReplyOf, mcpToolsOf, toolCallSchema } from './mcp-tools.ts';

/**
 * The tables an API request writes, and the columns left out because they change without a write of the caller's
 * (a key's last use is stamped in batches on every authenticated call). `usage` is left out whole: Access calls
 * that succeeded are metered in batches, so an earlier call's count can land during a later, refused one.
 */
const STATE_TABLES: Array<[table: string, volatileColumns: string[]]> = [
  ['orgs', []],
  ['api_keys', ['last_used_at']],
  ['client_apps', []],
  ['audit_log', []],
  ['connections', []],
  ['connection_sessions', []],
  ['link_sessions', []],
  ['webhook_endpoints', []],
  ['webhook_messages', []],
  ['access_uploads', []],
];

const DIGEST_STATEMENT = STATE_TABLES.map(([table, volatile]) => {
  const row = `(to_jsonb(t)${volatile.map((column) => ` - '${column}'`).join('')})::text`;
  return `select '${table}:' || count(*) || ':' || coalesce(md5(string_agg(${row}, ',' order by ${row})), '') as part from ${table} t`;
}).join(' union all ');

export async function stateDigest(database: DatabaseHandle): Promise<string> {
  const result = (await database.db.execute(sql.raw(DIGEST_STATEMENT))) as unknown as { rows: Array<{ part: string }> };
  return result.rows.map((row) => row.part).join('|');
}

export async function openApiDocument(baseUrl: string): Promise<Record<string, any>> {
  const res = await request(`${baseUrl}/openapi.json`);
  return (await res.body.json()) as Record<string, any>;
}

/**
 * Operations the fuzz leaves alone: those whose very purpose is to change state regardless of input (rotating
 * every stored secret re-encrypts rows; it takes no input to malform).
 */
export function isUnfuzzable(operation: Operation): boolean {
  return operation.method === 'POST' && operation.path === '/v2/vault/rotate';
}

/** The raw proxy answers with the upstream's own status and body. */
export function relaysUpstreamReplies(operation: Operation): boolean {
  return operation.path.startsWith('/v2/access/proxy/');
}

/** An MCP tool call answers 200 with the route's status and error body inside: judged as the route's reply. */
export function effectiveReply(operation: Operation, reply: Reply): Reply {
  return operation.label?.includes(' tool ') ? effectiveReplyOf(reply) : reply;
}

/**
 * Each MCP tool as an operation of its own (mcp-tools.ts): a tools/call whose arguments are the tool's input schema,
 * bound to the run's connection by x-connection-id (a header case may malform it) so well-formed arguments reach the
 * route. A tool listed by two MCP paths (every read is also on /v2/mcp/read-only) is fuzzed once, by the first.
 */
async function toolOperationsOf(baseUrl: string, document: Record<string, any>, apiKey: string, connectionId: string): Promise<Operation[]> {
  const tools = await mcpToolsOf(baseUrl, document, apiKey, { 'x-connection-id': connectionId });
  const seen = new Set<string>();
  return tools
    .filter((tool) => !seen.has(tool.name) && seen.add(tool.name))
    .map((tool) => ({
      method: 'POST',
      path: tool.path,
      parameters: [{ name: 'x-connection-id', in: 'header' as const, required: false, schema: { type: 'string' } }],
      body: toolCallSchema(tool),
      isSecured: true,
      label: `POST ${tool.path} tool ${tool.name}`,
      isWrite: !tool.isReadOnly,
      // The envelope and the whole-request cases are the MCP path's own operation's: here, the tool's arguments.
      onlyBodyFieldsUnder: ['params', 'arguments'],
    }));
}

export interface FuzzTarget {
  service: TestService;
  digest(): Promise<string>;
  document: Record<string, any>;
  /** Every MCP tool, which the document lists only as its MCP path. */
  toolOperations: Operation[];
  /** Values for parameters a case leaves well-formed: a live connection every Access operation acts as. */
  knownValues: Record<string, string>;
}

/**
 * A service with one active connection that may read and write everything, on the simulator, and pacing high
 * enough that a run's Access calls reach their handlers rather than the rate limit.
 */
export async function startFuzzTarget(backend: Backend): Promise<FuzzTarget> {
  const service = await startTestService(backend, { config: { logLevel: 'warn' } });
  const { ctx } = service.service;
  const connection = await createLinkConnection(ctx, service.sandboxUrl, { orgId: service.orgId, nextCheckAt: null });
  await ctx.database.db.update(connections).set({ permissions: CONNECTION_PERMISSIONS }).where(eq(connections.id, connection.row.id));
  const pacing = await call(service.url, 'PATCH', '/v2/account/settings', {
    key: service.adminKey,
    body: { pacing: { requestsPerMinute: 100_000, burst: 100_000, concurrency: 1000 } },
  });
  if (pacing.status !== 200) throw new Error(`could not raise pacing: ${pacing.status} ${JSON.stringify(pacing.body)}`);
  const document = await openApiDocument(service.url);
  return {
    service,
    digest: () => stateDigest(service.database.handle),
    document,
    toolOperations: await toolOperationsOf(service.url, document, service.adminKey, connection.row.id),
    knownValues: { 'x-connection-id': connection.row.id },
  };
}
