// What every operation of the OpenAPI document must have, checked over whatever the document holds (no list of
// routes): a route added later without a described tag, without x-connection-id under /v2/access, or with an
// operation id another operation has, is named here.

export interface Problem {
  operation: string;
  problem: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
export const ERROR_REF = '#/components/schemas/Error';

type AnyRecord = Record<string, any>;

export function operationsOf(document: AnyRecord): Array<{ key: string; method: string; path: string; operation: AnyRecord }> {
  return Object.entries<AnyRecord>(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ key: `${method.toUpperCase()} ${path}`, method, path, operation: item[method] })),
  );
}

function usesErrorSchema(response: AnyRecord | undefined): boolean {
  return response?.content?.['application/json']?.schema?.$ref === ERROR_REF;
}

export function documentProblems(document: AnyRecord): Problem[] {
  const problems: Problem[] = [];
  const described = new Set<string>((document.tags ?? []).map((tag: AnyRecord) => tag.name));
  const seenIds = new Map<string, string>();
  const usedTags = new Set<string>();
  const add = (operation: string, problem: string) => problems.push({ operation, problem });

  for (const { key, path, operation } of operationsOf(document)) {
    const id = operation.operationId;
    if (typeof id !== 'string' || id === '') add(key, 'no operationId');
    else if (seenIds.has(id)) add(key, `operationId ${id} is also ${seenIds.get(id)}'s`);
    else seenIds.set(id, key);

    const tags: string[] = operation.tags ?? [];
    if (tags.length === 0) add(key, 'no tag');
    for (const tag of tags) {
      usedTags.add(tag);
      if (!described.has(tag)) add(key, `tag "${tag}" is not in the document's tag list`);
    }

    const responses: AnyRecord = operation.responses ?? {};
    const clientErrors = Object.keys(responses).filter((status) => /^4\d\d$/.test(status));
    if (!clientErrors.some((status) => usesErrorSchema(responses[status]))) add(key, 'no 4xx response with the Error schema');

    const isKeyed = Array.isArray(operation.security) && operation.security.length > 0;
    if (isKeyed) {
      for (const status of ['401', '403', '429']) {
        if (!usesErrorSchema(responses[status])) add(key, `takes an API key but declares no ${status} with the Error schema`);
      }
      if (!responses['429']?.headers?.['Retry-After']) add(key, 'its 429 has no Retry-After header');
    }

    if (path.startsWith('/v2/access/')) {
      const parameters: AnyRecord[] = operation.parameters ?? [];
      const connection = parameters.find((p) => p.in === 'header' && p.name === 'x-connection-id');
      const takesRawSession = parameters.some((p) => p.in === 'header' && p.name === 'x-session-cookie');
      if (!connection) add(key, 'an Access route without the x-connection-id header parameter');
      else if (connection.required !== true && !takesRawSession) add(key, 'x-connection-id is not required');
      for (const status of ['502', '503']) {
        if (!usesErrorSchema(responses[status])) add(key, `an Access route without a ${status} response`);
      }
    }
  }
  for (const tag of described) if (!usedTags.has(tag)) add('(tag list)', `tag "${tag}" is described but no operation carries it`);
  return problems;
}
