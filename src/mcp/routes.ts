// HTTP for mcp/: the Model Context Protocol endpoint (Streamable HTTP transport) on the main port, under /v2 with the
// rest of the keyed API: the same apikey header and `access` scope as the Access routes, the same x-connection-id
// header (optional here: it binds every tool to that connection). Not under /v2/access/, which mirrors OFAuth's
// Access paths one for one.
//
//   POST /v2/mcp              every tool
//   POST /v2/mcp/read-only    read tools only: writes are neither listed nor run (a FORBIDDEN tool error)
//
// Stateless (no Mcp-Session-Id): each POST builds its server and transport and is answered in full, as JSON, so any
// node of a multi-node deployment answers any request and nothing is held between them. There is no server-to-client
// stream to open, so GET (and DELETE, which ends a session) are 405, as the transport specification allows. The SDK's
// web-standard transport hands back its reply, so Fastify sends it: hooks, headers and the error shape as for any route.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../platform/context.ts';
import type { HttpApp } from '../platform/http/http-app.ts';

/** The SDK and the tool set load with the first MCP request, not at start (mcp-runtime.ts says why). */
let runtime: Promise<typeof import('./mcp-runtime.ts')> | undefined;
const loadMcpRuntime = () => (runtime ??= import('./mcp-runtime.ts'));

export const MCP_PATH = '/v2/mcp';
export const MCP_READ_ONLY_PATH = '/v2/mcp/read-only';

const TAGS = ['MCP'];

const McpHeaders = Type.Object({
  'x-connection-id': Type.Optional(Type.String({ description: 'Binds every tool to this connection (conn_…); without it, each tool takes connectionId' })),
});

const JsonRpcMessage = Type.Object({
  jsonrpc: Type.Literal('2.0'),
  // A string or an integer, answered as sent (JSON-RPC: the same value): untyped here, since validation coerces the
  // first type of a union it can (1 became "1", which a client matching replies by id never finds); the SDK checks it.
  id: Type.Optional(Type.Unknown({ description: 'The request id, a string or an integer; the reply carries the same value' })),
  method: Type.Optional(Type.String({ description: 'initialize, tools/list, tools/call, notifications/…' })),
  params: Type.Optional(Type.Object({}, { additionalProperties: true })),
  result: Type.Optional(Type.Object({}, { additionalProperties: true })),
  error: Type.Optional(Type.Object({}, { additionalProperties: true })),
});

const McpBody = Type.Union([JsonRpcMessage, Type.Array(JsonRpcMessage, { minItems: 1 })], { description: 'A JSON-RPC 2.0 message (or a batch)' });

const McpReply = Type.Unknown({ description: 'The JSON-RPC response (application/json); 202 without a body for a notification' });

/** GET and DELETE: a stateless server has no stream to open and no session to end (a JSON-RPC error, as MCP's is). */
function notAllowed(_request: FastifyRequest, reply: FastifyReply) {
  return reply
    .code(405)
    .header('allow', 'POST')
    .send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; POST JSON-RPC messages to it' }, id: null });
}

export function registerMcpRoutes(app: HttpApp, ctx: ServiceContext): void {
  const endpoints = [
    { url: MCP_PATH, isReadOnly: false, summary: 'MCP (Streamable HTTP): every managed Access endpoint as a tool, plus list_connections and whoami', operationId: 'mcpMessage' },
    { url: MCP_READ_ONLY_PATH, isReadOnly: true, summary: 'MCP (Streamable HTTP), read tools only: write tools are not listed and are refused', operationId: 'mcpReadOnlyMessage' },
  ];
  for (const { url, isReadOnly, summary, operationId } of endpoints) {
    app.post(url, {
      config: { scope: 'access' },
      schema: { tags: TAGS, summary, operationId, headers: McpHeaders, body: McpBody, response: { 200: McpReply } },
    }, async (request, reply) => (await loadMcpRuntime()).answerMcp({ app, ctx, isReadOnly, path: url }, request, reply));
    app.route({
      method: ['GET', 'DELETE'],
      url,
      config: { scope: 'access' },
      schema: { hide: true },
      handler: notAllowed,
    });
  }
}
