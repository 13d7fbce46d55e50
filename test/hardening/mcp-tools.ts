// The MCP endpoints' tools, for the hardening tests that walk /openapi.json: the document lists POST /v2/mcp once, with
// a JSON-RPC envelope as its body, so a walk of the document alone would send envelopes and never reach a tool. Here
// every operation whose body is a JSON-RPC message is found in the document, asked for its tools (tools/list), and
// each tool becomes something to call: a tools/call envelope around the tool's own input schema. A tool added to the
// catalogue is in the fuzz and the isolation matrix without anyone listing it. The reply of a tool call is a 200
// carrying either the route's reply or a tool error with its HTTP status and error body; `effectiveReplyOf` turns it
// back into that status and body, so the tests judge a tool call exactly as they judge the route.
import { request } from 'undici';

type JsonSchema = Record<string, any>;

export interface McpTool {
  /** The MCP endpoint's path (POST). */
  path: string;
  name: string;
  inputSchema: JsonSchema;
  isReadOnly: boolean;
}

export interface EffectiveReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** The paths of the document's JSON-RPC endpoints: a POST whose JSON body (or one of its variants) has `jsonrpc`. */
export function jsonRpcPathsOf(document: JsonSchema): string[] {
  const isJsonRpc = (schema: JsonSchema | undefined): boolean =>
    !!schema && (schema.properties?.jsonrpc !== undefined || (schema.anyOf ?? schema.oneOf ?? []).some(isJsonRpc));
  return Object.entries<JsonSchema>(document.paths ?? {})
    .filter(([, item]) => isJsonRpc(item.post?.requestBody?.content?.['application/json']?.schema))
    .map(([path]) => path);
}

/** The tools each JSON-RPC endpoint lists to this key (headers: x-connection-id binds them, leaving connectionId out). */
export async function mcpToolsOf(baseUrl: string, document: JsonSchema, apiKey: string, headers: Record<string, string> = {}): Promise<McpTool[]> {
  const tools: McpTool[] = [];
  for (const path of jsonRpcPathsOf(document)) {
    const res = await request(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { apikey: apiKey, 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    const reply = (await res.body.json()) as { result?: { tools?: Array<{ name: string; inputSchema: JsonSchema; annotations?: { readOnlyHint?: boolean } }> } };
    const listed = reply.result?.tools;
    if (res.statusCode !== 200 || !listed?.length) throw new Error(`${path}: tools/list answered ${res.statusCode} ${JSON.stringify(reply).slice(0, 300)}`);
    for (const tool of listed) tools.push({ path, name: tool.name, inputSchema: tool.inputSchema, isReadOnly: tool.annotations?.readOnlyHint === true });
  }
  return tools;
}

/** The tools/call message for these arguments. */
export function toolCallBody(tool: Pick<McpTool, 'name'>, args: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool.name, arguments: args } });
}

/** A tools/call message's schema, its arguments being the tool's input schema (for the fuzz to malform). */
export function toolCallSchema(tool: Pick<McpTool, 'name' | 'inputSchema'>): JsonSchema {
  return {
    type: 'object',
    required: ['jsonrpc', 'id', 'method', 'params'],
    properties: {
      jsonrpc: { const: '2.0' },
      id: { const: 1 },
      method: { const: 'tools/call' },
      params: { type: 'object', required: ['name', 'arguments'], properties: { name: { const: tool.name }, arguments: tool.inputSchema } },
    },
  };
}

/**
 * What a tool call answered, as the HTTP route would have: a tool error is its `status` and the error body (with
 * the MCP reply's headers: its x-request-id is the route's requestId); a JSON-RPC error is a 400 for the caller's mistakes
 * and a 500 for anything else (the SDK's internal error); a result is a 200 with the reply. A reply that is not a
 * JSON-RPC response (the envelope refused, a 4xx in the API's shape) is returned as it came.
 */
export function effectiveReplyOf(reply: EffectiveReply): EffectiveReply {
  if (reply.status !== 200) return reply;
  let message: { result?: JsonSchema; error?: { code?: number; message?: string } };
  try {
    message = JSON.parse(reply.text);
  } catch {
    return { ...reply, status: 500, text: `a 200 whose body is not JSON: ${reply.text.slice(0, 200)}` };
  }
  const json = { ...reply.headers, 'content-type': 'application/json; charset=utf-8' };
  if (message.error) {
    // The caller's mistakes (parse error, invalid request, method not found, invalid params) and the server's (internal
    // error, and anything else).
    const status = [-32700, -32600, -32601, -32602].includes(message.error.code ?? 0) ? 400 : 500;
    return { status, headers: json, text: JSON.stringify({ type: 'JSON_RPC', code: String(message.error.code), message: message.error.message, requestId: reply.headers['x-request-id'] }) };
  }
  const result = message.result ?? {};
  if (result.isError) {
    const { status, retryAfterSeconds: _retry, ...body } = (result.structuredContent ?? {}) as JsonSchema;
    return { status: typeof status === 'number' ? status : 500, headers: json, text: JSON.stringify(body) };
  }
  const first = (result.content as Array<{ type: string; text?: string }> | undefined)?.[0];
  return { status: 200, headers: json, text: result.structuredContent ? JSON.stringify(result.structuredContent) : (first?.text ?? '') };
}
