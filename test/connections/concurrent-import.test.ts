// Imports of one account racing each other, on both backends. Within an org exactly one wins and the others are a
// 409 naming it, whichever check catches them (the lookup before upstream, the one inside the transaction, or the
// unique index when two transactions really overlap, as only PostgreSQL lets them); across orgs every one wins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { createOrgKey } from '../support/orgs.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { sandboxEmail } from '../support/link-connections.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('connections: concurrent imports of one account (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  const newOrgKey = (name: string) => createOrgKey(t.database.handle, name);

  async function importFresh(key: string, email: string) {
    const session = await mintSandboxSession(t.sandboxUrl, email);
    return () => call(t.url, 'POST', '/v2/account/connections/import', { key, body: { cookie: session.cookie, userAgent: session.userAgent } });
  }

  it('three imports of one account at once in one org: one 201, two 409s naming it, one connection listed', async () => {
    const key = await newOrgKey('Race');
    const email = sandboxEmail();
    const starts = await Promise.all([0, 1, 2].map(() => importFresh(key, email)));
    const results = await Promise.all(starts.map((start) => start()));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const winner = results.find((r) => r.status === 201)!.body.id;
    for (const lost of results.filter((r) => r.status === 409)) {
      expect(lost.body).toMatchObject({ type: 'CONFLICT', details: { connectionId: winner } });
    }
    const list = await call(t.url, 'GET', '/v2/account/connections', { key });
    expect(list.body.list.map((c: { id: string }) => c.id)).toEqual([winner]);
  });

  it('imports of one account at once in three orgs: all three win, each org with its own connection', async () => {
    const keys = await Promise.all(['Race A', 'Race B', 'Race C'].map(newOrgKey));
    const email = sandboxEmail();
    const starts = await Promise.all(keys.map((key) => importFresh(key, email)));
    const results = await Promise.all(starts.map((start) => start()));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(3);
    for (const [i, key] of keys.entries()) {
      const list = await call(t.url, 'GET', '/v2/account/connections', { key });
      expect(list.body.list.map((c: { id: string }) => c.id)).toEqual([results[i].body.id]);
    }
  });
});
