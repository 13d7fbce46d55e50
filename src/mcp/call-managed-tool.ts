// Runs a managed tool by calling its HTTP route in process (Fastify's inject: no socket), with the caller's own API
// key and address. The route does everything it does for an HTTP client — the key and its scope, schema validation
// and coercion, the connection and its permission, pacing, retries, usage metering, the request log, the error
// shape — so a tool can do nothing its key and the connection's permissions do not allow, and nothing here repeats
// any of it. What is left to this file: turning arguments into the route's path, query and body, and its reply into
// a tool result.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ApiError, type ErrorBody } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import { CONNECTION_ARGUMENT, type ManagedTool } from './managed-tools.ts';
import { toolError, toolRefusal, toolSuccess, type RateLimitState } from './tool-results.ts';

/** Who is calling, as the MCP request presented itself. */
export interface McpCaller {
  /** The request's own credentials, passed on as sent (apikey; a dashboard session's cookie). */
  credentials: Record<string, string>;
  ip: string;
  requestId: string;
  /** The connection named by the MCP request's x-connection-id header; null: each call names its own. */
  boundConnectionId: string | null;
}

interface RouteRequest {
  connectionId: string;
  url: string;
  payload?: string;
}

type Arguments = Record<string, unknown>;

const badArgument = (field: string, message: string) =>
  new ApiError('BAD_REQUEST', `Invalid arguments: ${message}`, { details: { field, location: 'arguments' } });

function connectionIdOf(caller: McpCaller, args: Arguments): string {
  if (caller.boundConnectionId !== null) return caller.boundConnectionId;
  const value = args[CONNECTION_ARGUMENT];
  if (typeof value !== 'string' || value.trim() === '') {
    throw badArgument(CONNECTION_ARGUMENT, `${CONNECTION_ARGUMENT} is required (a conn_… id; list_connections lists them)`);
  }
  return value.trim();
}

/** A path parameter as the route would read it from a URL: a non-empty string or a number. */
function pathValueOf(name: string, value: unknown): string {
  if (value === undefined) throw badArgument(name, `must have required property '${name}'`);
  if ((typeof value !== 'string' && typeof value !== 'number') || String(value) === '') throw badArgument(name, `${name} must be a string`);
  const text = String(value);
  // A dot segment would be resolved away by the URL, reaching another route than this tool's.
  if (text === '.' || text === '..') throw badArgument(name, `${name} must not be '.' or '..'`);
  try {
    return encodeURIComponent(text);
  } catch {
    // A lone surrogate (JSON carries one as \ud800) has no UTF-8 form to put in a URL.
    throw badArgument(name, `${name} must be well-formed Unicode text (no lone surrogate)`);
  }
}

function appendQuery(query: URLSearchParams, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) appendQuery(query, name, item);
    return;
  }
  query.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
}

/**
 * The route's request for these arguments. Only what the URL cannot carry is checked here (an unknown argument, a
 * missing path parameter); every field's type and range is checked by the route's own schema, with its own error.
 */
function routeRequestOf(tool: ManagedTool, caller: McpCaller, args: Arguments): RouteRequest {
  for (const name of Object.keys(args)) {
    const isConnectionArgument = name === CONNECTION_ARGUMENT && caller.boundConnectionId === null;
    if (!tool.places.has(name) && !isConnectionArgument) {
      const hint = name === CONNECTION_ARGUMENT ? ' (this MCP endpoint is bound to a connection by its x-connection-id header)' : '';
      throw badArgument(name, `must NOT have additional properties: ${name}${hint}`);
    }
  }
  const connectionId = connectionIdOf(caller, args);
  const path = tool.endpoint.url.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => pathValueOf(name, args[name]));
  const query = new URLSearchParams();
  const body: Arguments = {};
  for (const [name, place] of tool.places) {
    if (place === 'query') appendQuery(query, name, args[name]);
    if (place === 'body' && args[name] !== undefined) body[name] = args[name];
  }
  const search = query.toString();
  const url = search ? `${path}?${search}` : path;
  // A route with a body schema gets the object (its schema says what is missing); DELETE bodies only when given.
  const hasBody = tool.endpoint.body !== undefined && (tool.endpoint.method !== 'DELETE' || Object.keys(body).length > 0);
  return hasBody ? { connectionId, url, payload: JSON.stringify(body) } : { connectionId, url };
}

function headerOf(headers: Record<string, unknown>, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

function rateLimitOf(headers: Record<string, unknown>): RateLimitState | null {
  const limit = headerOf(headers, 'x-ratelimit-limit');
  const remaining = headerOf(headers, 'x-ratelimit-remaining');
  const reset = headerOf(headers, 'x-ratelimit-reset');
  if (limit === undefined || remaining === undefined || reset === undefined) return null;
  return { limit: Number(limit), remaining: Number(remaining), reset: Number(reset) };
}

function parsedJson(payload: string): unknown {
  try {
    return payload === '' ? null : (JSON.parse(payload) as unknown);
  } catch {
    return payload;
  }
}

/**
 * The route names the header it read the connection from (details.field x-connection-id); an agent that passed the
 * connectionId argument is told that argument, as for any other field. Code, message and the rest stay the route's.
 */
function withArgumentNamed(body: ErrorBody, caller: McpCaller): ErrorBody {
  if (caller.boundConnectionId !== null || body.details?.field !== 'x-connection-id') return body;
  return { ...body, details: { ...body.details, field: CONNECTION_ARGUMENT } };
}

/** The route's error reply as a tool error; a body that is not our error shape (never expected) is kept as text. */
function routeError(status: number, body: unknown, headers: Record<string, unknown>, caller: McpCaller): CallToolResult {
  const { requestId } = caller;
  const retryAfter = headerOf(headers, 'retry-after');
  const retry = retryAfter === undefined ? {} : { retryAfterSeconds: Number(retryAfter) };
  const rateLimit = rateLimitOf(headers);
  if (typeof body === 'object' && body !== null && 'code' in body && 'message' in body) {
    return toolError({ status, ...withArgumentNamed(body as ErrorBody, caller), ...retry }, rateLimit);
  }
  const message = typeof body === 'string' && body !== '' ? body : `HTTP ${status}`;
  return toolError({ status, error: message, message, type: 'INTERNAL', code: 'INTERNAL', requestId, ...retry }, rateLimit);
}

export async function callManagedTool(app: HttpApp, caller: McpCaller, tool: ManagedTool, args: Arguments): Promise<CallToolResult> {
  let request: RouteRequest;
  try {
    request = routeRequestOf(tool, caller, args);
  } catch (error) {
    if (error instanceof ApiError) return toolRefusal(error, caller.requestId);
    throw error;
  }
  // The MCP request's id goes with it: the request log's entry and a refusal's requestId are the ones the agent's
  // HTTP reply carried (x-request-id), so either can be found from the other.
  const headers: Record<string, string> = { ...caller.credentials, 'x-connection-id': request.connectionId, 'x-request-id': caller.requestId };
  if (request.payload !== undefined) headers['content-type'] = 'application/json';
  const reply = await app.inject({
    method: tool.endpoint.method,
    url: request.url,
    headers,
    remoteAddress: caller.ip,
    ...(request.payload === undefined ? {} : { payload: request.payload }),
  });
  const body = parsedJson(reply.payload);
  if (reply.statusCode >= 200 && reply.statusCode < 300) return toolSuccess(body, rateLimitOf(reply.headers));
  return routeError(reply.statusCode, body, reply.headers, caller);
}
