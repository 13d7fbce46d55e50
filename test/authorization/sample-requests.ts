// Requests that pass an operation's schema validation, generated from the OpenAPI document (JSON Schema): the
// connection-permission check runs in the handler, after Fastify has validated params, query and body, so a matrix
// that sends invalid input would only ever see 400s. Values are the smallest that validate; ids name nothing.
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  nullable?: boolean;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: JsonSchema;
}

export interface DocumentedOperation {
  method: string;
  /** OpenAPI form: /v2/access/posts/{postId} */
  path: string;
  description: string;
  parameters: Parameter[];
  body: { contentType: string; schema: JsonSchema } | null;
}

export interface SampleRequest {
  method: string;
  url: string;
  body?: string;
  headers: Record<string, string>;
}

const PATTERN_CANDIDATES = ['1', '12345', 'd41d8cd98f00b204e9800998ecf8427e', 'a', 'a1', 'probe1'];

export function sampleOf(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const choice = schema.anyOf ?? schema.oneOf;
  if (choice?.length) return sampleOf(choice[0]);
  if (schema.allOf?.length) return Object.assign({}, ...schema.allOf.map((s) => sampleOf(s) as object));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type ?? (schema.properties ? 'object' : undefined)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) out[name] = sampleOf(schema.properties?.[name] ?? {});
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => sampleOf(schema.items ?? { type: 'string' }));
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case 'boolean':
      return false;
    case 'string':
      return sampleString(schema);
    default:
      return 'x';
  }
}

function sampleString(schema: JsonSchema): string {
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern);
    const found = PATTERN_CANDIDATES.find((c) => pattern.test(c));
    if (!found) throw new Error(`no sample string matches ${schema.pattern}: add one to PATTERN_CANDIDATES`);
    return found;
  }
  if (schema.format === 'date-time') return '2026-01-01T00:00:00.000Z';
  if (schema.format === 'date') return '2026-01-01';
  if (schema.format === 'uri') return 'https://example.com/x';
  return '1'.repeat(Math.max(1, schema.minLength ?? 1));
}

export function operationsOf(document: { paths: Record<string, Record<string, any>> }): DocumentedOperation[] {
  const operations: DocumentedOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method];
      if (!op) continue;
      const content: Record<string, { schema: JsonSchema }> = op.requestBody?.content ?? {};
      const contentType = Object.keys(content)[0];
      operations.push({
        method: method.toUpperCase(),
        path,
        description: op.description ?? '',
        parameters: op.parameters ?? [],
        body: contentType ? { contentType, schema: content[contentType].schema } : null,
      });
    }
  }
  return operations;
}

/** A request the operation's schemas accept, for the given connection. */
export function sampleRequest(operation: DocumentedOperation, connectionId: string): SampleRequest {
  let url = operation.path;
  const query = new URLSearchParams();
  for (const parameter of operation.parameters) {
    const value = sampleOf(parameter.schema ?? { type: 'string' });
    if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(String(value)));
    if (parameter.in === 'query' && parameter.required) {
      for (const one of Array.isArray(value) ? value : [value]) query.append(parameter.name, String(one));
    }
  }
  const search = query.toString();
  const headers: Record<string, string> = { 'x-connection-id': connectionId };
  const request: SampleRequest = { method: operation.method, url: search ? `${url}?${search}` : url, headers };
  if (!operation.body) return request;
  headers['content-type'] = operation.body.contentType;
  request.body = operation.body.contentType.includes('json') ? JSON.stringify(sampleOf(operation.body.schema)) : 'x';
  return request;
}
