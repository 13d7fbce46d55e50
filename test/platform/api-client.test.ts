// The typed test client against a real service: the generated types say what the routes answer (the expectTypeOf
// lines are checked by tsc), and the calls show the replies have those shapes, on a few routes of each family.
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { ErrorBody } from '../../src/platform/errors.ts';
import { apiClient, type ApiClient } from '../support/api-client.ts';
import { BACKENDS } from '../support/databases.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { startTestService, type TestService } from '../support/service.ts';

type ConnectionStatus = 'active' | 'expired' | 'awaiting_2fa';

describe.each(BACKENDS)('the typed test client (%s)', (backend) => {
  let t: TestService;
  let api: ApiClient;
  beforeAll(async () => {
    t = await startTestService(backend);
    api = apiClient(t.url, t.adminKey);
  });
  afterAll(async () => t?.close());

  async function importConnection(email: string): Promise<string> {
    const session = await mintSandboxSession(t.sandboxUrl, email);
    const res = await api.POST('/v2/account/connections/import', { body: { cookie: session.cookie, userAgent: session.userAgent } });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  it('an import is typed from its 201 schema and lists with typed query parameters', async () => {
    const session = await mintSandboxSession(t.sandboxUrl, 'typed-import@creator.sandbox.com');
    const created = await api.POST('/v2/account/connections/import', {
      body: { cookie: session.cookie, userAgent: session.userAgent, clientReferenceId: 'user_typed' },
    });
    expect(created.status).toBe(201);
    expectTypeOf(created.body.status).toEqualTypeOf<ConnectionStatus>();
    expectTypeOf(created.body.userData.avatar).toEqualTypeOf<string | null>();
    expect(created.body).toMatchObject({ status: 'active', imported: true, clientReferenceId: 'user_typed' });
    expect(created.body.userData.id).toBe(String(session.userId));

    const listed = await api.GET('/v2/account/connections', { params: { query: { imported: 'true', limit: 100 } } });
    expect(listed.status).toBe(200);
    expectTypeOf(listed.body.hasMore).toEqualTypeOf<boolean>();
    expectTypeOf(listed.body.list[0].status).toEqualTypeOf<ConnectionStatus>();
    expect(listed.body.list.map((c) => c.id)).toContain(created.body.id);

    const one = await api.GET('/v2/account/connections/{connectionId}', { params: { path: { connectionId: created.body.id } } });
    expect(one.body.id).toBe(created.body.id);
  });

  it('an error reply reads as the public error body, with the request id also in the headers', async () => {
    const missing = await api.GET('/v2/account/connections/{connectionId}', { params: { path: { connectionId: 'conn_doesnotexist' } } });
    expect(missing.status).toBe(404);
    expectTypeOf(missing.error).toEqualTypeOf<ErrorBody>();
    expect(missing.error).toMatchObject({ type: 'RESOURCE_NOT_FOUND', code: 'RESOURCE_NOT_FOUND' });
    expect(missing.error.requestId).toBe(missing.headers['x-request-id']);
    expect(() => missing.body).toThrow(/^expected a 2xx reply, got 404 RESOURCE_NOT_FOUND: /);

    const unauthenticated = await apiClient(t.url).GET('/v2/account/whoami');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.error.type).toBe('UNAUTHORIZED');
  });

  it('webhook endpoints: the create body and its reply are typed, the secret reads back at …/secret as key', async () => {
    const created = await api.POST('/v2/webhooks/endpoints', {
      body: { url: 'http://127.0.0.1:9/typed-client', eventTypes: ['connection.created'], description: 'typed client' },
    });
    expect(created.status).toBe(201);
    expectTypeOf(created.body.environment).toEqualTypeOf<'sandbox' | 'live'>();
    expectTypeOf(created.body.secret).toEqualTypeOf<string>();
    expect(created.body).toMatchObject({ environment: 'sandbox', eventTypes: ['connection.created'], enabled: true });
    expect(created.body.secret).toMatch(/^whsec_/);

    const secret = await api.GET('/v2/webhooks/endpoints/{endpointId}/secret', { params: { path: { endpointId: created.body.id } } });
    expect(secret.body.key).toBe(created.body.secret);
    const listed = await api.GET('/v2/webhooks/endpoints');
    expect(listed.body.list.map((e) => e.id)).toContain(created.body.id);
  });

  it('an access route takes x-connection-id as a typed header parameter or as an extra header', async () => {
    const connectionId = await importConnection('typed-access@creator.sandbox.com');
    const viaParameter = await api.GET('/v2/access/self', { params: { header: { 'x-connection-id': connectionId } } });
    expect(viaParameter.status).toBe(200);
    expect(viaParameter.body).toMatchObject({ isAuth: true });
    // @ts-expect-error the document declares x-connection-id a required header parameter; sent as a plain header it works the same
    const viaHeader = await api.GET('/v2/access/self', { headers: { 'x-connection-id': connectionId } });
    expect(viaHeader.body).toEqual(viaParameter.body);

    // @ts-expect-error a call without the required header: the service answers it with OFAuth's 401
    const without = await api.GET('/v2/access/self');
    expect(without.status).toBe(401);
    expect(without.error).toMatchObject({ type: 'SESSION_NOT_PROVIDED', details: { field: 'x-connection-id' } });
  });
});

// Compile-time only: the types refuse what the routes refuse.
function typeErrorsTheClientCatches(api: ApiClient): void {
  // @ts-expect-error a path no route serves
  void api.GET('/v2/account/conections');
  // @ts-expect-error import needs a body with cookie and userAgent
  void api.POST('/v2/account/connections/import');
  // @ts-expect-error a misspelled body field
  void api.POST('/v2/account/connections/import', { body: { cookie: 'c', userAgnet: 'ua' } });
  // @ts-expect-error a status the list filter does not know
  void api.GET('/v2/account/connections', { params: { query: { status: 'gone' } } });
  // @ts-expect-error the path parameter is required
  void api.GET('/v2/account/connections/{connectionId}');
}
void typeErrorsTheClientCatches;
