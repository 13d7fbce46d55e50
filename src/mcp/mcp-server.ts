// The MCP server one HTTP request talks to: the SDK's low-level Server (JSON Schemas as they are: ours are TypeBox,
// which is JSON Schema), answering tools/list and tools/call for the request's caller. Built per request (stateless
// transport, routes.ts); what is built once per app is the tool set (McpToolSet).
import fs from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AuthContext } from '../account/authenticate.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import { packagePath } from '../platform/package-root.ts';
import { ACCOUNT_TOOLS, LIST_CONNECTIONS, listConnectionsTool, WHOAMI, whoamiTool } from './account-tools.ts';
import { callManagedTool, type McpCaller } from './call-managed-tool.ts';
import { buildManagedTools, inputSchemaOf, type ManagedTool, type ObjectSchema } from './managed-tools.ts';
import { toolRefusal } from './tool-results.ts';

export const MCP_SERVER_NAME = 'ofconnect';

const INSTRUCTIONS =
  'Tools over the OnlyFans accounts connected to this ofconnect organization (OFAuth-compatible Access API). ' +
  'Each Access tool acts as one connection: call list_connections for their ids and pass one as connectionId ' +
  '(unless this endpoint is bound to a connection, see whoami). A refused call is a tool error with the API\'s ' +
  'error code, HTTP status and message: FORBIDDEN names the connection permission it lacks, RATE_LIMIT_EXCEEDED ' +
  'says in retryAfterSeconds when to call again.';

export interface McpToolSet {
  managed: readonly ManagedTool[];
  byName: ReadonlyMap<string, ManagedTool>;
  /** The service's version, as the server reports itself at initialize. */
  version: string;
  /**
   * One validator for every request's server: the SDK makes a new Ajv per server otherwise (milliseconds of CPU per
   * request, the largest cost of a tool call in bench/mcp.ts). The server uses it only for elicitation, which these
   * tools never ask for.
   */
  validator: AjvJsonSchemaValidator;
}

export function buildMcpToolSet(): McpToolSet {
  const managed = buildManagedTools();
  const { version } = JSON.parse(fs.readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
  return { managed, byName: new Map(managed.map((tool) => [tool.name, tool])), version, validator: new AjvJsonSchemaValidator() };
}

/** One MCP request's view: who calls, and which surface (the read-only endpoint lists and runs reads only). */
export interface McpSession {
  app: HttpApp;
  ctx: ServiceContext;
  tools: McpToolSet;
  auth: AuthContext;
  caller: McpCaller;
  isReadOnly: boolean;
}

function listedManagedTool(tool: ManagedTool, isBound: boolean): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: inputSchemaOf(tool, isBound),
    annotations: {
      title: tool.title,
      readOnlyHint: tool.isReadOnly,
      // Hints about writes only (the spec ignores them on read-only tools): deleting is destructive; PUT and DELETE
      // may be repeated with the same effect; every tool reaches OnlyFans, outside this service.
      ...(tool.isReadOnly ? {} : { destructiveHint: tool.endpoint.method === 'DELETE', idempotentHint: tool.endpoint.method !== 'POST' && tool.endpoint.method !== 'PATCH' }),
      openWorldHint: true,
    },
  };
}

function listedAccountTool(tool: (typeof ACCOUNT_TOOLS)[number]): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: JSON.parse(JSON.stringify(tool.inputSchema)) as ObjectSchema,
    annotations: { title: tool.title, readOnlyHint: true, openWorldHint: false },
  };
}

/** The tools this session lists, account tools first. */
export function listedTools(session: Pick<McpSession, 'tools' | 'caller' | 'isReadOnly'>): Tool[] {
  const isBound = session.caller.boundConnectionId !== null;
  const managed = session.tools.managed.filter((tool) => tool.isReadOnly || !session.isReadOnly);
  return [...ACCOUNT_TOOLS.map(listedAccountTool), ...managed.map((tool) => listedManagedTool(tool, isBound))];
}

function readOnlyRefusal(tool: ManagedTool, requestId: string): CallToolResult {
  const error = new ApiError('FORBIDDEN', `This MCP endpoint is read-only: ${tool.name} writes (${tool.endpoint.method} ${tool.endpoint.url})`, {
    details: { tool: tool.name, readOnly: true },
  });
  return toolRefusal(error, requestId);
}

async function callTool(session: McpSession, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const { caller } = session;
  if (name === LIST_CONNECTIONS.name) return listConnectionsTool(session.ctx, session.auth, args, caller.requestId);
  if (name === WHOAMI.name) {
    const facts = { boundConnectionId: caller.boundConnectionId, isReadOnly: session.isReadOnly, toolCount: listedTools(session).length };
    return whoamiTool(session.ctx, session.auth, facts, args, caller.requestId);
  }
  const tool = session.tools.byName.get(name);
  // An unknown tool is a protocol error (the MCP spec's invalid params), not a tool error.
  if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
  if (session.isReadOnly && !tool.isReadOnly) return readOnlyRefusal(tool, caller.requestId);
  return callManagedTool(session.app, caller, tool, args);
}

export function createMcpServer(session: McpSession): Server {
  const server = new Server(
    { name: MCP_SERVER_NAME, version: session.tools.version, title: 'ofconnect' },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS, jsonSchemaValidator: session.tools.validator },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listedTools(session) }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    try {
      return await callTool(session, request.params.name, request.params.arguments ?? {});
    } catch (error) {
      if (error instanceof McpError) throw error;
      if (error instanceof ApiError) return toolRefusal(error, session.caller.requestId);
      // Anything else would reach the client as the SDK's JSON-RPC error with the raw message (SQL included) and be
      // logged nowhere: log it here and answer the API's internal error, as the HTTP error handler does.
      session.ctx.logger.error({ err: error, tool: request.params.name, requestId: session.caller.requestId }, 'MCP tool failed');
      return toolRefusal(new ApiError('INTERNAL', 'Internal error'), session.caller.requestId);
    }
  });
  return server;
}
