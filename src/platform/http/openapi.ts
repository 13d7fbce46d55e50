// The OpenAPI 3 document, generated from the routes' TypeBox schemas and served at GET /openapi.json. Everything a
// route's own schema does not say is added here, once for all routes: its operation id (openapi-operation-ids.ts),
// the API key it needs, x-connection-id required on the Access routes, the error replies it can give in the one
// error schema (openapi-errors.ts), and, from the caller's annotations, tag descriptions, examples, the routes that
// can conflict or are experimental. `servers` is the running service's public origin.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { ACCESS_RATE_LIMIT_HEADERS, ERROR_SCHEMA_NAME, ErrorBodySchema, errorResponsesFor, type Conflict } from './openapi-errors.ts';
import { deriveOperationId, isListSchema } from './openapi-operation-ids.ts';

export const API_VERSION = '1.0.0';
export const OPENAPI_PATH = '/openapi.json';

/** The header naming the connection an Access call acts as. */
export const CONNECTION_HEADER = 'x-connection-id';
/** Present on a route that also takes a raw session instead of a connection (the raw proxy). */
const RAW_SESSION_HEADER = 'x-session-cookie';

/** `"GET /v2/account/whoami"`: an operation, as the annotation tables name it (OpenAPI path form). */
export type OperationKey = `${'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /${string}`;

export interface OperationExamples {
  /** The JSON request body. */
  request?: unknown;
  /** Reply bodies by status. */
  responses?: Record<number, unknown>;
}

/** What the document says beyond the routes' schemas; kept as tables by the API reference (src/docs/). */
export interface OpenApiAnnotations {
  /** Every tag an operation may carry, in the order the reference shows them. */
  tags: ReadonlyArray<{ name: string; description: string }>;
  /** Operation ids kept as OFAuth's SDK names them where the derived one would differ. */
  operationIds: Readonly<Partial<Record<OperationKey, string>>>;
  /** Operations that can answer 409: when, and a message they send then. */
  conflicts: Readonly<Partial<Record<OperationKey, Conflict>>>;
  /** Operations outside the Access API that call OnlyFans on the caller's behalf (can answer 502/503). */
  callsUpstream: ReadonlyArray<OperationKey>;
  /** Operations whose upstream call is not confirmed against the real site, with what is uncertain. */
  experimental: Readonly<Partial<Record<OperationKey, string>>>;
  examples: Readonly<Partial<Record<OperationKey, OperationExamples>>>;
}

export interface OpenApiOptions {
  /** The origin the service is reached at (PUBLIC_URL, else the listening address), read when the document is served. */
  publicOrigin: () => string;
  annotations: OpenApiAnnotations;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Array<{ in: string; name: string; required?: boolean; description?: string }>;
  requestBody?: { content?: Record<string, { schema?: unknown; example?: unknown }> };
  responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: Record<string, { schema?: unknown; example?: unknown }> }>;
  security?: unknown[];
  'x-api-key-scope'?: string;
  'x-experimental'?: boolean;
  [key: string]: unknown;
}

type PathItem = Partial<Record<(typeof METHODS)[number], Operation>>;

interface Document {
  tags?: Array<{ name: string; description: string }>;
  paths: Record<string, PathItem>;
  components: { schemas?: Record<string, unknown>; [key: string]: unknown };
  [key: string]: unknown;
}

type HeadersSchema = { properties?: Record<string, unknown>; required?: string[] };

/**
 * The headers as the document states them: x-connection-id is required where the route needs a connection. The
 * route's own schema keeps it optional so that a call without it is answered SESSION_NOT_PROVIDED (the OFAuth
 * error), not a schema 400; a route that takes a raw session instead keeps it optional in the document too.
 */
function documentedHeaders(headers: HeadersSchema): HeadersSchema {
  const properties = headers.properties ?? {};
  if (!(CONNECTION_HEADER in properties) || RAW_SESSION_HEADER in properties) return headers;
  const required = [...new Set([...(headers.required ?? []), CONNECTION_HEADER])];
  return { ...headers, required };
}

function twoHundredSchema(operation: Operation): unknown {
  const success = operation.responses['200'] ?? operation.responses['201'];
  return success?.content?.['application/json']?.schema;
}

function withExamples(operation: Operation, examples: OperationExamples | undefined): void {
  if (!examples) return;
  const requestMedia = operation.requestBody?.content?.['application/json'];
  if (examples.request !== undefined && requestMedia) requestMedia.example = examples.request;
  for (const [status, body] of Object.entries(examples.responses ?? {})) {
    const media = operation.responses[status]?.content?.['application/json'];
    if (media) media.example = body;
  }
}

const SUCCESS_DESCRIPTIONS: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted', '204': 'No content' };

/** @fastify/swagger calls every reply "Default Response": a success says what it is. */
function describeSuccess(operation: Operation): void {
  for (const [status, response] of Object.entries(operation.responses)) {
    if (response.description === 'Default Response' && SUCCESS_DESCRIPTIONS[status]) response.description = SUCCESS_DESCRIPTIONS[status];
  }
}

function describeAccess(operation: Operation): void {
  for (const status of ['200', '201']) {
    const success = operation.responses[status];
    if (success) success.headers = { ...ACCESS_RATE_LIMIT_HEADERS, ...success.headers };
  }
}

function annotateOperation(operation: Operation, key: OperationKey, shape: { path: string; method: string; siblings: string[] }, annotations: OpenApiAnnotations): Operation {
  const parameters = operation.parameters ?? [];
  const isAccess = parameters.some((p) => p.in === 'header' && p.name === CONNECTION_HEADER);
  const scope = operation['x-api-key-scope'] ?? null;
  operation.operationId ??=
    annotations.operationIds[key] ??
    deriveOperationId({ method: shape.method, path: shape.path, siblingMethods: shape.siblings, isListReply: isListSchema(twoHundredSchema(operation)) });

  const notes: string[] = [];
  const experimental = annotations.experimental[key];
  if (experimental) {
    operation['x-experimental'] = true;
    operation.summary = `${operation.summary ?? ''} (experimental)`.trim();
    notes.push(`**Experimental**: ${experimental}`);
  }
  if (operation.description) notes.push(operation.description);
  if (scope) notes.push(`API key scope: \`${scope}\`.`);
  if (notes.length) operation.description = notes.join('\n\n');

  const errors = errorResponsesFor({
    scope,
    hasParameters: parameters.length > 0,
    hasBody: operation.requestBody !== undefined,
    pathParameters: parameters.filter((p) => p.in === 'path' && p.name !== '*').map((p) => p.name),
    isAccess,
    conflict: annotations.conflicts[key] ?? null,
    callsUpstream: annotations.callsUpstream.includes(key),
  });
  // A status the route declares itself (readyz's 503) keeps its own description and schema.
  describeSuccess(operation);
  operation.responses = { ...errors, ...operation.responses };
  if (isAccess) describeAccess(operation);
  withExamples(operation, annotations.examples[key]);
  return operation;
}

/** The document as served: operations annotated, the error schema and the tag list added. */
export function annotateDocument(document: Document, annotations: OpenApiAnnotations): Document {
  for (const [path, item] of Object.entries(document.paths)) {
    const siblings = METHODS.filter((method) => item[method]);
    for (const method of siblings) {
      // One route answering several methods (the raw proxy) shares one operation object among them: each gets its own.
      const operation = structuredClone(item[method]) as Operation;
      const key = `${method.toUpperCase()} ${path}` as OperationKey;
      item[method] = annotateOperation(operation, key, { path, method, siblings }, annotations);
    }
  }
  document.components.schemas = { ...document.components.schemas, [ERROR_SCHEMA_NAME]: JSON.parse(JSON.stringify(ErrorBodySchema)) };
  document.tags = annotations.tags.map((tag) => ({ ...tag }));
  return document;
}

/** Component names are the schemas' own `$id` (Connection, ClientApp), not @fastify/swagger's def-0, def-1…. */
function componentName(json: { $id?: unknown }, index: number): string {
  return typeof json.$id === 'string' && /^[A-Za-z0-9._-]+$/.test(json.$id) ? json.$id : `def-${index}`;
}

export async function installOpenApi(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ofconnect API',
        version: API_VERSION,
        description:
          'Self-hosted, OFAuth v2 wire-compatible API. Authenticate with the apikey header; the key (sk_sandbox_… or sk_live_…) ' +
          'selects the environment. Access API calls name their connection in x-connection-id. Every error has the Error shape.',
      },
      components: {
        securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'apikey', description: 'An API key: sk_sandbox_… or sk_live_…' } },
      },
    },
    refResolver: {
      buildLocalReference: (json: { $id?: unknown }, _baseUri: unknown, _fragment: unknown, index: number) => {
        if (typeof json.$id === 'string' && !('title' in json)) Object.assign(json, { title: json.$id });
        return componentName(json, index);
      },
    },
    // Per route, what only the route knows: the key scope it needs, and its headers as the document states them.
    transform: ({ schema, url, route }) => {
      const scope = (route.config as { scope?: string } | undefined)?.scope;
      const transformed = { ...(schema ?? {}) } as Record<string, unknown>;
      if (scope) {
        transformed.security = [{ apiKey: [] }];
        transformed['x-api-key-scope'] = scope;
      }
      if (transformed.headers) transformed.headers = documentedHeaders(transformed.headers as HeadersSchema);
      return { schema: transformed as never, url };
    },
    transformObject: (documentObject) => {
      const { openapiObject } = documentObject as { openapiObject: unknown };
      return annotateDocument(openapiObject as Document, options.annotations) as never;
    },
  });
  // servers: read per request, since the listening port is known only once the server listens.
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => ({ ...(app.swagger() as object), servers: [{ url: options.publicOrigin() }] }));
}
