import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { recordRulesUpdated } from '../../src/dynamic-rules/rules-updated.ts';
import { parseDynamicRules } from '../../src/upstream/rules.ts';

async function rulesUpdatedMessages(t: TestService): Promise<Array<{ org_id: string; revision: string }>> {
  const result = await t.database.handle.db.execute(
    sql`select org_id, payload -> 'data' ->> 'revision' as revision from webhook_messages where event_type = 'rules.updated' order by seq`,
  );
  return (result as unknown as { rows: Array<{ org_id: string; revision: string }> }).rows;
}

describe.each(BACKENDS)('rules.updated (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  it('a rules rotation noticed during normal traffic records rules.updated once for a subscribed org', async () => {
    const endpoint = await call(t.url, 'POST', '/v2/webhooks/endpoints', {
      key: t.adminKey,
      body: { url: 'http://127.0.0.1:9/hooks', eventTypes: ['rules.updated'] },
    });
    expect(endpoint.status).toBe(201);
    // Load the current rules, then rotate them upstream.
    await call(t.url, 'GET', '/v2/dynamic-rules/status', { key: t.adminKey });
    const rotated = parseDynamicRules((await call(t.service.sandboxUrl, 'POST', '/_sandbox/rules/rotate', { body: {} })).body);
    // Ordinary traffic (an import validates the session upstream) sees the new x-of-rev and refreshes the rules.
    const session = await mintSandboxSession(t.service.sandboxUrl, 'rules@creator.sandbox.com');
    await call(t.url, 'POST', '/v2/account/connections/import', { key: t.adminKey, body: { cookie: session.cookie, userAgent: session.userAgent } });
    let messages: Array<{ org_id: string; revision: string }> = [];
    for (let i = 0; i < 100 && !messages.some((m) => m.revision === rotated.revision); i++) {
      messages = await rulesUpdatedMessages(t);
      if (!messages.some((m) => m.revision === rotated.revision)) await new Promise((r) => setTimeout(r, 20));
    }
    expect(messages.filter((m) => m.revision === rotated.revision)).toEqual([{ org_id: t.orgId, revision: rotated.revision }]);
  });

  it('several nodes noticing the same revision record it once', async () => {
    const rotated = parseDynamicRules((await call(t.service.sandboxUrl, 'POST', '/_sandbox/rules/rotate', { body: {} })).body);
    await Promise.all([1, 2, 3].map(() => recordRulesUpdated(t.service.ctx, 'sandbox', rotated)));
    const messages = await rulesUpdatedMessages(t);
    expect(messages.filter((m) => m.revision === rotated.revision)).toHaveLength(1);
  });
});
