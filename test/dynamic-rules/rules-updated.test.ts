import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { listEvents } from '../support/events.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { recordRulesUpdated } from '../../src/dynamic-rules/rules-updated.ts';
import { parseDynamicRules, type DynamicRules } from '../../src/upstream/rules.ts';

describe.each(BACKENDS)('rules.updated (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  /** A new org with an admin key; subscribed to rules.updated through the API unless told otherwise. */
  async function newOrg(name: string, subscribed = true): Promise<string> {
    const { secret } = await createKey(t.database.handle, await createOrg(t.database.handle, name), 'sandbox', ['admin']);
    if (subscribed) {
      const endpoint = await call(t.url, 'POST', '/v2/webhooks/endpoints', {
        key: secret,
        body: { url: 'http://127.0.0.1:9/hooks', eventTypes: ['rules.updated'] },
      });
      expect(endpoint.status).toBe(201);
    }
    return secret;
  }

  /** The revisions an org was told about in rules.updated events, oldest first, read with its admin key. */
  async function announcedRevisions(adminKey: string): Promise<string[]> {
    return (await listEvents(t.url, adminKey, { eventType: 'rules.updated' })).map((event) => event.payload.data.revision);
  }

  const rotateRules = async (): Promise<DynamicRules> =>
    parseDynamicRules((await call(t.sandboxUrl, 'POST', '/_sandbox/rules/rotate', { body: {} })).body);

  it('a rules rotation noticed during normal traffic is announced once to every subscribed org, and to no other', async () => {
    const [first, second, unsubscribed] = [await newOrg('Rules A'), await newOrg('Rules B'), await newOrg('Rules C', false)];
    // Load the current rules, then rotate them upstream.
    await call(t.url, 'GET', '/v2/dynamic-rules/status', { key: t.adminKey });
    const rotated = await rotateRules();
    // Ordinary traffic (an import validates the session upstream) sees the new x-of-rev and refreshes the rules.
    const session = await mintSandboxSession(t.sandboxUrl, 'rules@creator.sandbox.com');
    await call(t.url, 'POST', '/v2/account/connections/import', { key: t.adminKey, body: { cookie: session.cookie, userAgent: session.userAgent } });

    for (const adminKey of [first, second]) {
      const revisions = await eventually(
        async () => {
          const announced = await announcedRevisions(adminKey);
          return announced.includes(rotated.revision) && announced;
        },
        { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: `rules.updated for revision ${rotated.revision}` },
      );
      expect(revisions.filter((revision) => revision === rotated.revision)).toHaveLength(1);
    }
    expect(await announcedRevisions(unsubscribed)).toEqual([]);
  });

  it('several nodes noticing the same revision announce it once', async () => {
    const adminKey = await newOrg('Rules D');
    const rotated = await rotateRules();
    await Promise.all([1, 2, 3].map(() => recordRulesUpdated(t.service.ctx, 'sandbox', rotated)));
    expect(await announcedRevisions(adminKey)).toEqual([rotated.revision]);
  });
});
