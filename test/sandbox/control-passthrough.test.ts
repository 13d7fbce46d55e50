// The simulator's control API on the service's own port: /_sandbox/… and /_sandbox/dynamic-rules.json answer for a
// sandbox admin key exactly what the simulator answers, refuse other keys, and put the simulator's refusals in our
// error shape. Its address does not depend on the simulator's port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { createKey } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('sandbox control API under /_sandbox on the service port (%s)', (backend) => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService(backend);
  }, 60_000);
  afterAll(async () => t?.close());

  it('mints a session the import then accepts, and serves the rules the simulator publishes', async () => {
    const minted = await call(t.url, 'POST', '/_sandbox/sessions', { key: t.adminKey, body: { email: 'pass@creator.sandbox.com' } });
    expect(minted.status).toBe(200);
    expect(minted.body.cookie).toMatch(/sess=[^;]+; auth_id=\d+/);
    const imported = await call(t.url, 'POST', '/v2/account/connections/import', { key: t.adminKey, body: { cookie: minted.body.cookie, userAgent: minted.body.userAgent } });
    expect(imported.status).toBe(201);

    const viaService = await call(t.url, 'GET', '/_sandbox/dynamic-rules.json', { key: t.adminKey });
    const direct = await call(t.sandboxUrl, 'GET', '/dynamic-rules.json');
    expect(viaService.status).toBe(200);
    expect(viaService.body).toEqual(direct.body);
    const rotated = await call(t.url, 'POST', '/_sandbox/rules/rotate', { key: t.adminKey });
    expect(rotated.status).toBe(200);
    expect(rotated.body.revision).not.toBe(direct.body.revision);
    expect((await call(t.sandboxUrl, 'GET', '/dynamic-rules.json')).body.revision).toBe(rotated.body.revision);
  });

  it('needs a key with the admin scope of the sandbox environment', async () => {
    expect((await call(t.url, 'GET', '/_sandbox/accounts')).status).toBe(401);
    const access = await createKey(t.database.handle, t.orgId, 'sandbox', ['access']);
    const noAdmin = await call(t.url, 'GET', '/_sandbox/accounts', { key: access.secret });
    expect(noAdmin.status).toBe(403);
    expect(noAdmin.body.details).toMatchObject({ requiredScope: 'admin' });
    const live = await createKey(t.database.handle, t.orgId, 'live', ['admin']);
    const liveReply = await call(t.url, 'GET', '/_sandbox/accounts', { key: live.secret });
    expect(liveReply.status).toBe(403);
    expect(liveReply.body.type).toBe('FORBIDDEN');
    expect((await call(t.url, 'GET', '/_sandbox/accounts', { key: t.adminKey })).body.otpCode).toBe('123456');
  });

  it("the simulator's refusals come back in our error shape", async () => {
    const bad = await call(t.url, 'POST', '/_sandbox/sessions', { key: t.adminKey, body: { email: 'someone@example.com' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: 'BAD_REQUEST', error: expect.stringContaining('Not a sandbox account') });
    expect(bad.body.requestId).toMatch(/^req_/);
    const missing = await call(t.url, 'GET', '/_sandbox/no-such-thing', { key: t.adminKey });
    expect(missing.status).toBe(404);
    expect(missing.body.type).toBe('ROUTE_NOT_FOUND');
  });
});
