// The managed Access endpoints as MCP tools, generated from the catalogue (access/catalogue.ts): one tool per entry,
// named after the route's OpenAPI operation id in snake_case (`accessChatsListMessages` → `chats_list_messages`, the
// name OFAuth's SDK gives the method, stable while the route stays), described by the route's summary, taking the
// route's params, query and body as one object, and answered by the route itself (call-managed-tool.ts).
//
// The raw upload routes (PUT …/uploads/{id}/parts/{n} and the single-part PUT: raw bytes, not JSON) are not in the
// table — their family registers them itself — so they are not tools; neither is the raw proxy, which takes any path.
import type { TSchema } from 'typebox';
import { MANAGED_ENDPOINTS } from '../access/catalogue.ts';
import type { ManagedEndpoint } from '../access/endpoints/define-endpoint.ts';
import { API_ANNOTATIONS } from '../docs/api-annotations.ts';
import type { OperationKey } from '../platform/http/openapi.ts';
import { deriveOperationId, isListSchema } from '../platform/http/openapi-operation-ids.ts';

/** A JSON Schema object as MCP carries it (`inputSchema`): plain JSON, TypeBox's own markers left behind. */
export interface ObjectSchema {
  type: 'object';
  properties: Record<string, object>;
  required?: string[];
  additionalProperties?: boolean;
  [key: string]: unknown;
}

/** Where a tool argument goes in the route's request. */
export type ArgumentPlace = 'params' | 'query' | 'body';

export interface ManagedTool {
  name: string;
  title: string;
  description: string;
  endpoint: ManagedEndpoint;
  isReadOnly: boolean;
  /** The argument names by where they go (a name is in one place only: checked when the tools are built). */
  places: ReadonlyMap<string, ArgumentPlace>;
  /** The route's own params, query and body as one object schema, without the connection argument. */
  fields: ObjectSchema;
}

/** The argument naming the connection, when the MCP request is not bound to one by its x-connection-id header. */
export const CONNECTION_ARGUMENT = 'connectionId';

const CONNECTION_ARGUMENT_SCHEMA = {
  type: 'string',
  description: 'The connection (conn_…) to act as: one of list_connections, of this API key\'s organization and environment',
};

/** `/v2/access/chats/:userId/messages` → `/v2/access/chats/{userId}/messages` (the OpenAPI document's form). */
const openApiPathOf = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function operationIdOf(endpoint: ManagedEndpoint): string {
  const path = openApiPathOf(endpoint.url);
  const kept = API_ANNOTATIONS.operationIds[`${endpoint.method} ${path}` as OperationKey];
  if (kept) return kept;
  const siblings = MANAGED_ENDPOINTS.filter((other) => other.url === endpoint.url).map((other) => other.method.toLowerCase());
  return deriveOperationId({ method: endpoint.method.toLowerCase(), path, siblingMethods: siblings, isListReply: isListSchema(endpoint.reply) });
}

/** `accessChatsListMessages` → `chats_list_messages`: the Access prefix is every tool's, so it is left out. */
export function toolNameOf(operationId: string): string {
  const words = operationId.replace(/^access(?=[A-Z])/, '');
  return words.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** A TypeBox schema as plain JSON (its symbol-keyed markers are not JSON and mean nothing to a client). */
const plainJson = (schema: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

function fieldsOf(endpoint: ManagedEndpoint): { fields: ObjectSchema; places: Map<string, ArgumentPlace> } {
  const properties: Record<string, object> = {};
  const required: string[] = [];
  const places = new Map<string, ArgumentPlace>();
  const parts: Array<[ArgumentPlace, TSchema | undefined]> = [['params', endpoint.params], ['query', endpoint.querystring], ['body', endpoint.body]];
  for (const [place, schema] of parts) {
    if (!schema) continue;
    const json = plainJson(schema) as { properties?: Record<string, object>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const other = places.get(name);
      // A clash would make one argument feed two parts of the request; no entry has one, and a new one fails here.
      if (other || name === CONNECTION_ARGUMENT) {
        throw new Error(`${endpoint.method} ${endpoint.url}: argument ${name} is in both ${other ?? 'the connection argument'} and ${place}`);
      }
      places.set(name, place);
      properties[name] = property;
    }
    // DELETE bodies are not validated by the route (access/routes.ts): their fields stay optional here too.
    if (place === 'body' && endpoint.method === 'DELETE') continue;
    required.push(...(json.required ?? []));
  }
  const fields: ObjectSchema = { type: 'object', properties, additionalProperties: false };
  if (required.length) fields.required = required;
  return { fields, places };
}

function toolOf(endpoint: ManagedEndpoint): ManagedTool {
  const { fields, places } = fieldsOf(endpoint);
  return {
    name: toolNameOf(operationIdOf(endpoint)),
    title: endpoint.summary,
    description: `${endpoint.summary}. ${endpoint.tag}; needs the connection permission ${endpoint.permission} (${endpoint.method} ${endpoint.url}).`,
    endpoint,
    isReadOnly: endpoint.method === 'GET',
    places,
    fields,
  };
}

/** Every managed endpoint's tool, in the catalogue's order; names are unique (checked here, at start-up). */
export function buildManagedTools(endpoints: readonly ManagedEndpoint[] = MANAGED_ENDPOINTS): ManagedTool[] {
  const tools = endpoints.map(toolOf);
  const seen = new Map<string, ManagedTool>();
  for (const tool of tools) {
    const first = seen.get(tool.name);
    if (first) throw new Error(`two tools named ${tool.name}: ${first.endpoint.method} ${first.endpoint.url} and ${tool.endpoint.method} ${tool.endpoint.url}`);
    seen.set(tool.name, tool);
  }
  return tools;
}

/** The tool's input schema as listed: its fields, plus the connection argument unless the request is bound to one. */
export function inputSchemaOf(tool: ManagedTool, isBound: boolean): ObjectSchema {
  if (isBound) return tool.fields;
  return {
    ...tool.fields,
    properties: { [CONNECTION_ARGUMENT]: CONNECTION_ARGUMENT_SCHEMA, ...tool.fields.properties },
    required: [CONNECTION_ARGUMENT, ...(tool.fields.required ?? [])],
  };
}
