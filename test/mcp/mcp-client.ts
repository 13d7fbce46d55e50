// The MCP SDK's own client over Streamable HTTP, pointed at a test service: what an agent's MCP client does.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface McpClientOptions {
  /** The API key (apikey header); null sends none. */
  key: string | null;
  path?: string;
  /** Binds the session to one connection (x-connection-id header). */
  connectionId?: string;
  /** More headers on every request (x-request-id, to find the calls in the request log). */
  headers?: Record<string, string>;
}

export async function connectMcp(baseUrl: string, options: McpClientOptions): Promise<Client> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== null) headers.apikey = options.key;
  if (options.connectionId) headers['x-connection-id'] = options.connectionId;
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}${options.path ?? '/v2/mcp'}`), { requestInit: { headers } });
  const client = new Client({ name: 'ofconnect-tests', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Runs `use` with a connected client, and closes it whatever happens. */
export async function withMcp<T>(baseUrl: string, options: McpClientOptions, use: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectMcp(baseUrl, options);
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The structured content of a tool result (every object reply and every tool error has it). */
export function structuredOf(result: CallToolResult): Record<string, any> {
  if (!result.structuredContent) throw new Error(`no structured content: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, any>;
}

/** The reply a successful tool call carries as JSON text (any reply, arrays included). */
export function textJsonOf(result: CallToolResult): unknown {
  const first = result.content[0];
  if (first?.type !== 'text') throw new Error('no text content');
  return JSON.parse(first.text);
}
