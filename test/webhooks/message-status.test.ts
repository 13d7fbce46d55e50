import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { mintSandboxSession } from '../support/sandbox.ts';

describe.each(BACKENDS)('webhook message status (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  it('an event recorded while no endpoint listens has status none, not succeeded', async () => {
    const session = await mintSandboxSession(t.sandboxUrl, 'quiet@creator.sandbox.com');
    const imported = await call(t.url, 'POST', '/v2/account/connections/import', { key: t.adminKey, body: { cookie: session.cookie, userAgent: session.userAgent } });
    expect(imported.status).toBe(201);
    const messages = await call(t.url, 'GET', `/v2/webhooks/messages?connectionId=${imported.body.id}`, { key: t.adminKey });
    expect(messages.status).toBe(200);
    expect(messages.body.list.map((m: { eventType: string; status: string }) => [m.eventType, m.status])).toEqual([['connection.created', 'none']]);
  });
});
