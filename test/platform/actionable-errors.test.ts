// Errors people can act on (issue 17): enums list their values once, unknown body fields are named (OFAuth's
// deprecated ones still accepted), 415 names the type to send, a Bearer header is told where the key goes, a wrong
// method is 405 with Allow, and an empty JSON body is no body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('errors people can act on (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  }, 180_000);
  afterAll(async () => t?.close());

  it('an enum refusal lists the allowed values once', async () => {
    const res = await call(t.url, 'POST', '/v2/client-apps', { key: t.adminKey, body: { name: 'x', integrationType: 'popup' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Invalid body: integrationType must be one of 'redirect', 'embed', 'whitelabel'");
    expect(res.body.details).toMatchObject({ field: 'integrationType', issues: [{ field: 'integrationType' }] });
    expect(res.body.details.issues).toHaveLength(1);
    expect(JSON.stringify(res.body)).not.toContain('must be equal to constant');

    const scopes = await call(t.url, 'POST', '/v2/api-keys', { key: t.adminKey, body: { scopes: ['root'] } });
    expect(scopes.status).toBe(400);
    expect(scopes.body.message).toBe("Invalid body: scopes.0 must be one of 'account', 'link', 'access', 'rules', 'admin'");
  });

  it('an unknown body field on our own routes is refused by name, with the close spelling', async () => {
    const res = await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { redirectURL: `${t.url}/link/dev-callback` } });
    expect(res.status).toBe(400);
    expect(res.body.details.field).toBe('redirectURL');
    expect(res.body.message).toMatch(/^Invalid body: redirectURL is not a known field \(did you mean redirectUrl\? accepted: clientAppId, redirectUrl, /);

    const nested = await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { geolocation: { country: 'US', town: 'Austin' } } });
    expect(nested.status).toBe(400);
    expect(nested.body.details.field).toBe('geolocation.town');
    expect(nested.body.message).toContain('accepted: country, state, city');

    const sign = await call(t.url, 'POST', '/v2/dynamic-rules/sign', { key: t.adminKey, body: { endpoint: '/api2/v2/users/me', userid: '1' } });
    expect(sign.status).toBe(400);
    expect(sign.body.details.field).toBe('userid');
  });

  it("OFAuth's deprecated Link init fields stay accepted", async () => {
    const res = await call(t.url, 'POST', '/v2/link/init', {
      key: t.adminKey,
      body: { mode: 'hosted', origin: 'https://app.example.com', options: { returnRawSession: false } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.url).toMatch(/\/link\/cs_/);
  });

  it('bodies passed on to OnlyFans are not refused for fields we do not declare', async () => {
    const res = await call(t.url, 'PATCH', '/v2/access/self', { key: t.adminKey, body: { name: 'Alice', someNewOnlyFansField: 1 } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body.details?.field).not.toBe('someNewOnlyFansField');
    expect(res.body.message).not.toContain('is not a known field');
  });

  it('a body of another type is a 415 that names the type to send', async () => {
    for (const type of ['text/plain', 'application/xml']) {
      const res = await call(t.url, 'POST', '/v2/client-apps', { key: t.adminKey, body: 'name=x', headers: { 'content-type': type } });
      expect(res.status, type).toBe(415);
      expect(res.body.message).toBe(`Content-Type ${type} is not accepted: send the body as JSON with the header content-type: application/json`);
      expect(res.body.details).toEqual({ field: 'content-type', accepted: ['application/json'] });
    }
  });

  it('a key sent as Authorization: Bearer is told it goes in the apikey header', async () => {
    const res = await call(t.url, 'GET', '/v2/account/whoami', { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('Missing API key: the key goes in the apikey header (apikey: sk_…), not in Authorization: Bearer');
    const none = await call(t.url, 'GET', '/v2/account/whoami');
    expect(none.body.message).toBe('Missing API key: send it in the apikey header');
  });

  it('a wrong method on a known path is 405 with Allow; an unknown path stays 404', async () => {
    const res = await call(t.url, 'DELETE', '/v2/account/whoami', { key: t.adminKey });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.body.message).toBe('Method DELETE is not allowed on /v2/account/whoami; allowed: GET, HEAD');
    expect(res.body.details).toEqual({ allowed: ['GET', 'HEAD'] });

    const withParam = await call(t.url, 'PUT', '/v2/client-apps/app_abc', { key: t.adminKey, body: {} });
    expect(withParam.status).toBe(405);
    expect(withParam.headers.allow).toBe('DELETE, GET, HEAD, PATCH');

    const unknown = await call(t.url, 'GET', '/v2/no-such-thing', { key: t.adminKey });
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('ROUTE_NOT_FOUND');
  });

  it('an empty body sent as application/json is accepted on a route that takes none, and named on one that needs it', async () => {
    const rotate = await call(t.url, 'POST', '/v2/vault/rotate', { key: t.adminKey, headers: { 'content-type': 'application/json' }, body: '' });
    expect(rotate.status, JSON.stringify(rotate.body)).toBe(200);
    const create = await call(t.url, 'POST', '/v2/client-apps', { key: t.adminKey, headers: { 'content-type': 'application/json' }, body: '' });
    expect(create.status).toBe(400);
    expect(create.body.message).toBe('Invalid body: must be object');
  });
});
