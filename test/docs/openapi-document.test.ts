// The OpenAPI document as served: valid, and every operation with an operation id, a described tag, its error replies
// in the one Error schema (401/403/429 when it takes a key), x-connection-id on the Access routes; the annotation
// tables name real operations and their examples match the schemas; the errors the service sends have the documented
// shape. The rules run over whatever the document holds, so a route added later is checked without being listed.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ANNOTATIONS } from '../../src/docs/api-annotations.ts';
import { installOpenApi, type OperationKey } from '../../src/platform/http/openapi.ts';
import { deriveOperationId } from '../../src/platform/http/openapi-operation-ids.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { documentProblems, ERROR_REF, operationsOf } from './openapi-rules.ts';

type AnyRecord = Record<string, any>;

/** A validator of one schema of the document, its `#/components/…` references resolved against the document. */
function schemaValidator(document: AnyRecord) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addFormat('binary', true);
  ajv.addSchema({ $id: 'doc', components: document.components });
  return (schema: unknown) => ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')));
}

function operationAt(document: AnyRecord, key: string): AnyRecord | undefined {
  const [method, path] = key.split(' ');
  return document.paths[path]?.[method.toLowerCase()];
}

// The document does not depend on the database, so one backend is enough.
describe('the OpenAPI document', () => {
  let t: TestService;
  let document: AnyRecord;
  beforeAll(async () => {
    t = await startTestService('pglite');
    const served = await call(t.url, 'GET', '/openapi.json');
    expect(served.status).toBe(200);
    document = served.body;
  });
  afterAll(async () => t?.close());

  it('is a valid OpenAPI 3 document whose server is the running service', async () => {
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.servers).toEqual([{ url: t.url }]);
  });

  it('every operation has a unique operationId, a described tag, its errors in the Error schema, and x-connection-id under /v2/access', () => {
    expect(operationsOf(document).length).toBeGreaterThan(100);
    expect(documentProblems(document)).toEqual([]);
  });

  it('Access routes require x-connection-id, except the raw proxy, which takes a raw session instead', () => {
    const header = (key: string) => operationAt(document, key)?.parameters.find((p: AnyRecord) => p.name === 'x-connection-id');
    expect(header('GET /v2/access/self')).toMatchObject({ in: 'header', required: true });
    expect(header('PUT /v2/access/uploads/{mediaUploadId}')).toMatchObject({ in: 'header', required: true });
    expect(header('GET /v2/access/proxy/{*}')).toMatchObject({ in: 'header', required: false });
    expect(operationAt(document, 'GET /v2/account/whoami')?.parameters ?? []).toEqual([]);
  });

  it('keyed routes state their scope; 403 names it; 429 carries Retry-After; public routes declare no 401', () => {
    const connections = operationAt(document, 'GET /v2/account/connections')!;
    expect(connections['x-api-key-scope']).toBe('account');
    expect(connections.responses['403'].description).toContain('`account` scope');
    expect(connections.responses['429'].headers['Retry-After'].schema).toEqual({ type: 'integer' });
    const access = operationAt(document, 'GET /v2/access/chats')!;
    expect(Object.keys(access.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '429', '500', '502', '503']));
    expect(access.responses['200'].headers).toHaveProperty('X-RateLimit-Remaining');
    const health = operationAt(document, 'GET /healthz')!;
    expect(health.security).toBeUndefined();
    expect(health.responses['401']).toBeUndefined();
    expect(operationAt(document, 'GET /readyz')!.responses['503'].content['application/json'].schema.$ref).not.toBe(ERROR_REF);
  });

  it('operation ids follow OFAuth\'s SDK names', () => {
    const idOf = (key: string) => operationAt(document, key)?.operationId;
    expect(idOf('GET /v2/account/whoami')).toBe('accountWhoami');
    expect(idOf('GET /v2/account/connections')).toBe('accountConnectionsList');
    expect(idOf('GET /v2/account/connections/{connectionId}/settings')).toBe('accountConnectionsGetSettings');
    expect(idOf('POST /v2/account/connections/import')).toBe('accountConnectionsImport');
    expect(idOf('GET /v2/access/self')).toBe('accessSelfGet');
    expect(idOf('PUT /v2/access/subscribers/{userId}/custom-name')).toBe('accessSubscribersSetCustomName');
    expect(idOf('GET /v2/access/analytics/mass-messages/{massMessageId}/buyers')).toBe('accessAnalyticsMassMessagesListBuyers');
    expect(idOf('POST /v2/link/init')).toBe('linkInit');
    expect(idOf('POST /v2/access/proxy/{*}')).toBe('accessProxyPost');
  });

  it('every annotation names an operation of the document, and the document carries it', () => {
    const tables: Record<string, readonly string[]> = {
      operationIds: Object.keys(API_ANNOTATIONS.operationIds),
      conflicts: Object.keys(API_ANNOTATIONS.conflicts),
      callsUpstream: API_ANNOTATIONS.callsUpstream,
      experimental: Object.keys(API_ANNOTATIONS.experimental),
      examples: Object.keys(API_ANNOTATIONS.examples),
    };
    const stale = Object.entries(tables).flatMap(([table, keys]) => keys.filter((key) => !operationAt(document, key)).map((key) => `${table}: ${key}`));
    expect(stale).toEqual([]);
    for (const key of tables.conflicts) expect(operationAt(document, key)!.responses['409'].content['application/json'].schema.$ref, key).toBe(ERROR_REF);
    for (const key of tables.callsUpstream) expect(operationAt(document, key)!.responses, key).toHaveProperty('502');
    for (const key of tables.experimental) {
      const operation = operationAt(document, key)!;
      expect(operation['x-experimental'], key).toBe(true);
      expect(operation.description, key).toMatch(/^\*\*Experimental\*\*/);
    }
    const flagged = operationsOf(document).filter(({ operation }) => operation['x-experimental']).map(({ key }) => key);
    expect(flagged.sort()).toEqual([...tables.experimental].sort());
  });

  it('the main routes have examples, and every example matches its schema', () => {
    const validatorFor = schemaValidator(document);
    const mismatches: string[] = [];
    for (const [key, examples] of Object.entries(API_ANNOTATIONS.examples)) {
      const operation = operationAt(document, key)!;
      if (examples?.request !== undefined) {
        const media = operation.requestBody.content['application/json'];
        expect(media.example, `${key} request`).toEqual(examples.request);
        const validate = validatorFor(media.schema);
        if (!validate(media.example)) mismatches.push(`${key} request: ${JSON.stringify(validate.errors)}`);
      }
      for (const [status, body] of Object.entries(examples?.responses ?? {})) {
        const media = operation.responses[status].content['application/json'];
        expect(media.example, `${key} ${status}`).toEqual(body);
        const validate = validatorFor(media.schema);
        if (!validate(media.example)) mismatches.push(`${key} ${status}: ${JSON.stringify(validate.errors)}`);
      }
    }
    // The error examples too: each is an Error.
    const validateError = validatorFor({ $ref: ERROR_REF });
    for (const { key, operation } of operationsOf(document)) {
      for (const [status, response] of Object.entries<AnyRecord>(operation.responses)) {
        const media = response.content?.['application/json'];
        if (media?.schema?.$ref === ERROR_REF && !validateError(media.example)) mismatches.push(`${key} ${status}: ${JSON.stringify(validateError.errors)}`);
      }
    }
    expect(mismatches).toEqual([]);
    const required: OperationKey[] = [
      'GET /v2/account/connections', 'POST /v2/account/connections/import', 'POST /v2/link/init', 'GET /v2/access/self',
      'POST /v2/webhooks/endpoints', 'POST /v2/api-keys', 'POST /v2/client-apps',
    ];
    for (const key of required) expect(API_ANNOTATIONS.examples[key], key).toBeDefined();
  });

  it('the errors the service sends are what the Error schema says', async () => {
    const validateError = schemaValidator(document)({ $ref: ERROR_REF });
    const replies = [
      await call(t.url, 'GET', '/v2/account/whoami'),
      await call(t.url, 'GET', '/v2/account/connections/conn_doesnotexist', { key: t.adminKey }),
      await call(t.url, 'POST', '/v2/account/connections/import', { key: t.adminKey, body: { cookie: '' } }),
      await call(t.url, 'GET', '/v2/access/self', { key: t.adminKey }),
    ];
    expect(replies.map((reply) => reply.status)).toEqual([401, 404, 400, 401]);
    for (const reply of replies) expect(validateError(reply.body), JSON.stringify(validateError.errors)).toBe(true);
  });
});

describe('the document rules', () => {
  it('name a route added without a described tag, without x-connection-id under /v2/access, or with a taken operationId', async () => {
    const app = Fastify();
    try {
      await installOpenApi(app, { publicOrigin: () => 'http://127.0.0.1:9', annotations: API_ANNOTATIONS });
      app.get('/v2/access/widgets', { config: { scope: 'access' }, schema: { tags: ['Access: widgets'] } }, async () => ({}));
      app.get('/v2/untagged', { config: { scope: 'account' } }, async () => ({}));
      app.get('/v2/first', { schema: { tags: ['Account'], operationId: 'taken' } }, async () => ({}));
      app.get('/v2/second', { schema: { tags: ['Account'], operationId: 'taken' } }, async () => ({}));
      await app.ready();
      const problems = documentProblems(app.swagger() as AnyRecord).filter((p) => p.operation !== '(tag list)');
      expect(problems).toEqual(
        expect.arrayContaining([
          { operation: 'GET /v2/access/widgets', problem: 'tag "Access: widgets" is not in the document\'s tag list' },
          { operation: 'GET /v2/access/widgets', problem: 'an Access route without the x-connection-id header parameter' },
          { operation: 'GET /v2/access/widgets', problem: 'an Access route without a 502 response' },
          { operation: 'GET /v2/untagged', problem: 'no tag' },
          { operation: 'GET /v2/second', problem: 'operationId taken is also GET /v2/first\'s' },
        ]),
      );
    } finally {
      await app.close();
    }
  });

  it('derive operation ids from method and path', () => {
    const id = (method: string, path: string, siblingMethods = [method], isListReply = false) => deriveOperationId({ method, path, siblingMethods, isListReply });
    expect(id('get', '/v2/client-apps', ['get', 'post'], true)).toBe('clientAppsList');
    expect(id('post', '/v2/client-apps', ['get', 'post'])).toBe('clientAppsCreate');
    expect(id('post', '/v2/dynamic-rules/sign')).toBe('dynamicRulesSign');
    expect(id('get', '/v2/client-apps/{appId}')).toBe('clientAppsGet');
    expect(id('patch', '/v2/client-apps/{appId}')).toBe('clientAppsUpdate');
    expect(id('put', '/v2/access/posts/{postId}')).toBe('accessPostsReplace');
    expect(id('delete', '/v2/access/users/{userId}/restrict', ['post', 'delete'])).toBe('accessUsersDeleteRestrict');
    expect(id('post', '/v2/access/users/{userId}/restrict', ['post', 'delete'])).toBe('accessUsersRestrict');
    expect(id('post', '/v2/access/chats/{userId}/messages', ['get', 'post'])).toBe('accessChatsCreateMessages');
    expect(id('get', '/v2/webhooks/endpoints/{endpointId}/attempts', ['get'], true)).toBe('webhooksEndpointsListAttempts');
    expect(id('post', '/v2/link/{clientSecret}/2fa/resend')).toBe('link2faResend');
    expect(id('get', '/healthz')).toBe('healthzGet');
  });
});
