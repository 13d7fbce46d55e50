// The MCP endpoint's request handling, loaded on the first MCP request (routes.ts imports it lazily): the SDK's server
// and transport cost a few hundred milliseconds of start-up and memory that a service nobody points an agent at need
// not pay, and a worker node never does.
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { CallToolRequestSchema, InitializeRequestSchema, ListToolsRequestSchema, PingRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import type { McpCaller } from './call-managed-tool.ts';
import { buildMcpToolSet, createMcpServer, MCP_SERVER_NAME, type McpSession, type McpToolSet } from './mcp-server.ts';

/** What every request of one endpoint shares: the app its tools call, and which surface it is. */
export type McpSessionBase = Omit<McpSession, 'auth' | 'caller'>;

let toolSet: McpToolSet | undefined;

/** The tool set, built once per process from the managed-endpoint catalogue. */
export function mcpToolSet(): McpToolSet {
  return (toolSet ??= buildMcpToolSet());
}

/** One POST to an MCP endpoint, answered in full. */
export function answerMcp(base: { app: HttpApp; ctx: ServiceContext; isReadOnly: boolean; path: string }, request: FastifyRequest, reply: FastifyReply) {
  return answerMcpRequest({ app: base.app, ctx: base.ctx, isReadOnly: base.isReadOnly, tools: mcpToolSet() }, base.path, request, reply);
}

function callerOf(request: FastifyRequest): McpCaller {
  const { apikey, cookie } = request.headers;
  const credentials: Record<string, string> = {};
  // The route the tool calls authenticates the same credentials this request did: its key, or a dashboard session.
  if (typeof apikey === 'string') credentials.apikey = apikey;
  else if (typeof cookie === 'string') {
    credentials.cookie = cookie;
    // A dashboard session's writes need its CSRF token, which this request carried.
    const csrf = request.headers['x-csrf-token'];
    if (typeof csrf === 'string') credentials['x-csrf-token'] = csrf;
  }
  const bound = request.headers['x-connection-id'];
  const boundConnectionId = (Array.isArray(bound) ? bound[0] : bound)?.trim() || null;
  return { credentials, ip: request.ip, requestId: request.id, boundConnectionId };
}

/** The web request the SDK's transport reads: the body is passed parsed; the headers are the ones it checks. */
function webRequestOf(request: FastifyRequest, path: string): Request {
  const headers = new Headers({
    // Every reply is one JSON document (enableJsonResponse), never a stream, so a client accepting JSON is enough.
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
  });
  const version = request.headers['mcp-protocol-version'];
  if (typeof version === 'string') headers.set('mcp-protocol-version', version);
  // The URL is only reported to handlers (none reads it): the route's path, without a query to misparse.
  return new Request(`http://${MCP_SERVER_NAME}${path}`, { method: 'POST', headers });
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

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

interface RequestSchema {
  safeParse(value: unknown): { error?: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

/** The SDK's own schemas of the requests this server answers, by method. */
const REQUEST_SCHEMAS = new Map<string, RequestSchema>([
  ['initialize', InitializeRequestSchema],
  ['ping', PingRequestSchema],
  ['tools/list', ListToolsRequestSchema],
  ['tools/call', CallToolRequestSchema],
]);

/**
 * A request whose params its method's schema refuses (a tools/call without a tool name or with arguments that are no
 * object, a cursor that is no string) is a 400 naming the field, checked with the SDK's own schemas before the SDK
 * sees it: the SDK answers the same check's failure as a JSON-RPC internal error (-32603) carrying the validator's raw
 * report, as if the server had failed.
 */
function refuseMalformedRequests(body: unknown): void {
  for (const message of Array.isArray(body) ? body : [body]) {
    if (!isPlainObject(message) || typeof message.method !== 'string') continue;
    const parsed = REQUEST_SCHEMAS.get(message.method)?.safeParse(message);
    const issue = parsed?.error?.issues[0];
    if (!issue) continue;
    const field = issue.path.map(String).join('.') || 'params';
    throw new ApiError('BAD_REQUEST', `Invalid body: ${field}: ${issue.message}`, { details: { field, method: message.method } });
  }
}

async function answerMcpRequest(session: McpSessionBase, path: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (!acceptsJson(request.headers.accept)) {
    throw new ApiError('BAD_REQUEST', 'This MCP endpoint answers in JSON: send Accept: application/json, text/event-stream', {
      details: { field: 'accept', accepted: ['application/json'] },
    });
  }
  refuseMalformedRequests(request.body);
  const server = createMcpServer({ ...session, auth: request.auth, caller: callerOf(request) });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(webRequestOf(request, path), { parsedBody: request.body });
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
