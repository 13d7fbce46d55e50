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
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import type { McpCaller } from './call-managed-tool.ts';
import { buildMcpToolSet, createMcpServer, MCP_SERVER_NAME, type McpSession } from './mcp-server.ts';

/** What every request of one endpoint shares: the app its tools call, and which surface it is. */
type McpSessionBase = Omit<McpSession, 'auth' | 'caller'>;

export const MCP_PATH = '/v2/mcp';
export const MCP_READ_ONLY_PATH = '/v2/mcp/read-only';

const TAGS = ['MCP'];

const McpHeaders = Type.Object({
  'x-connection-id': Type.Optional(Type.String({ description: 'Binds every tool to this connection (conn_…); without it, each tool takes connectionId' })),
});

const JsonRpcMessage = Type.Object({
  jsonrpc: Type.Literal('2.0'),
  id: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
  method: Type.Optional(Type.String({ description: 'initialize, tools/list, tools/call, notifications/…' })),
  params: Type.Optional(Type.Object({}, { additionalProperties: true })),
  result: Type.Optional(Type.Object({}, { additionalProperties: true })),
  error: Type.Optional(Type.Object({}, { additionalProperties: true })),
});

const McpBody = Type.Union([JsonRpcMessage, Type.Array(JsonRpcMessage, { minItems: 1 })], { description: 'A JSON-RPC 2.0 message (or a batch)' });

const McpReply = Type.Unknown({ description: 'The JSON-RPC response (application/json); 202 without a body for a notification' });

function callerOf(request: FastifyRequest): McpCaller {
  const { apikey, cookie } = request.headers;
  const credentials: Record<string, string> = {};
  // The route the tool calls authenticates the same credentials this request did: its key, or a dashboard session.
  if (typeof apikey === 'string') credentials.apikey = apikey;
  else if (typeof cookie === 'string') credentials.cookie = cookie;
  const bound = request.headers['x-connection-id'];
  const boundConnectionId = (Array.isArray(bound) ? bound[0] : bound)?.trim() || null;
  return { credentials, ip: request.ip, requestId: request.id, boundConnectionId };
}

/** The web request the SDK's transport reads: the body is passed parsed; the headers are the ones it checks. */
function webRequestOf(request: FastifyRequest): Request {
  const headers = new Headers({
    // Every reply is one JSON document (enableJsonResponse), never a stream, so a client accepting JSON is enough.
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
  });
  const version = request.headers['mcp-protocol-version'];
  if (typeof version === 'string') headers.set('mcp-protocol-version', version);
  // The URL is only reported to handlers (none reads it): the route's path, without a query to misparse.
  return new Request(`http://${MCP_SERVER_NAME}${request.routeOptions.url ?? MCP_PATH}`, { method: 'POST', headers });
}

function acceptsJson(accept: string | undefined): boolean {
  return !accept || /application\/json|application\/\*|\*\/\*/.test(accept);
}

/**
 * The transport's own refusals (a body that is no JSON-RPC message, an unsupported protocol version) as the API's
 * errors, in its error shape like every other refusal; JSON-RPC errors about a message (unknown method, invalid
 * params) are a 200 carrying the JSON-RPC error, as the protocol has them.
 */
async function transportRefusal(response: Response): Promise<ApiError> {
  const text = await response.text();
  let message = `MCP transport refused the request (HTTP ${response.status})`;
  let jsonRpcCode: number | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown; code?: unknown } };
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
    if (typeof parsed.error?.code === 'number') jsonRpcCode = parsed.error.code;
  } catch {
    // Not JSON: the generic message stands.
  }
  const details = { field: message.includes('protocol version') ? 'mcp-protocol-version' : 'body', jsonRpcCode };
  if (response.status >= 500) return new ApiError('INTERNAL', message, { details });
  return new ApiError('BAD_REQUEST', message, { details });
}

async function answerMcpRequest(session: McpSessionBase, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (!acceptsJson(request.headers.accept)) {
    throw new ApiError('BAD_REQUEST', 'This MCP endpoint answers in JSON: send Accept: application/json, text/event-stream', {
      details: { field: 'accept', accepted: ['application/json'] },
    });
  }
  const server = createMcpServer({ ...session, auth: request.auth, caller: callerOf(request) });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(webRequestOf(request), { parsedBody: request.body });
    if (response.status >= 400) throw await transportRefusal(response);
    reply.code(response.status);
    const type = response.headers.get('content-type');
    if (type) reply.header('content-type', type);
    // A notification or a response is accepted without a body (202).
    const body = await response.text();
    return reply.send(body === '' ? undefined : body);
  } finally {
    await transport.close();
    await server.close();
  }
}

/** GET and DELETE: a stateless server has no stream to open and no session to end (a JSON-RPC error, as MCP's is). */
function notAllowed(_request: FastifyRequest, reply: FastifyReply) {
  return reply
    .code(405)
    .header('allow', 'POST')
    .send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; POST JSON-RPC messages to it' }, id: null });
}

export function registerMcpRoutes(app: HttpApp, ctx: ServiceContext): void {
  const tools = buildMcpToolSet();
  const endpoints = [
    { url: MCP_PATH, isReadOnly: false, summary: 'MCP (Streamable HTTP): every managed Access endpoint as a tool, plus list_connections and whoami', operationId: 'mcpMessage' },
    { url: MCP_READ_ONLY_PATH, isReadOnly: true, summary: 'MCP (Streamable HTTP), read tools only: write tools are not listed and are refused', operationId: 'mcpReadOnlyMessage' },
  ];
  for (const { url, isReadOnly, summary, operationId } of endpoints) {
    app.post(url, {
      config: { scope: 'access' },
      schema: { tags: TAGS, summary, operationId, headers: McpHeaders, body: McpBody, response: { 200: McpReply } },
    }, (request, reply) => answerMcpRequest({ app, ctx, tools, isReadOnly }, request, reply));
    app.route({
      method: ['GET', 'DELETE'],
      url,
      config: { scope: 'access' },
      schema: { hide: true },
      handler: notAllowed,
    });
  }
}
