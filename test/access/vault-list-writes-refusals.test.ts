// The vault-list writes beyond the happy path (test/access/existing-writes.test.ts has that): what a connection
// without vault:write, an unknown list and unknown media get, and that none of them changes what the simulator holds,
// read back through the API. Lists belong to one account: another connection does not see them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { withoutPerReadValues } from '../support/sandbox.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { access, importConnection } from './access-fixture.ts';

interface ListView {
  id: number;
  name: string;
  hasMedia: boolean;
}

describe.each(BACKENDS)('access: vault-list writes refused (%s)', (backend) => {
  let t: TestService;

  // A service start under this machine's load can take longer than the default 60 s hook timeout.
  beforeAll(async () => {
    t = await startTestService(backend, { config: { role: 'api' } });
  }, 180_000);
  afterAll(async () => t?.close());

  const listsOf = async (connectionId: string): Promise<ListView[]> => {
    const res = await access(t, connectionId, 'GET', '/v2/access/vault/lists?limit=40');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // What a list is (id, name, count, media): the cover URLs the simulator signs anew on each read are left out.
    return withoutPerReadValues(res.body.list);
  };
  const mediaIdsIn = async (connectionId: string, listId: number): Promise<number[]> => {
    const res = await access(t, connectionId, 'GET', `/v2/access/vault/lists/${listId}/media?limit=40`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.list.map((m: { id: number }) => m.id).sort();
  };

  it('a connection granted vault:read only is refused every list write with 403 naming vault:write, and the lists stay as they were', async () => {
    const owner = await importConnection(t, { permissions: ['vault:read', 'vault:write'] });
    const name = `Kept ${Date.now().toString(36)}`;
    const list = (await access(t, owner.id, 'POST', '/v2/access/vault/lists', { body: { name } })).body as ListView;
    const media = (await access(t, owner.id, 'GET', '/v2/access/vault/media?limit=2')).body.list.map((m: { id: number }) => m.id);
    expect((await access(t, owner.id, 'POST', `/v2/access/vault/lists/${list.id}/media`, { body: { mediaIds: [media[0]] } })).status).toBe(200);

    // Another account's connection, granted read only: the permission is the connection's, checked before upstream is
    // asked anything (its own first list is the target, or the owner's list when it has none).
    const reader = await importConnection(t, { permissions: ['vault:read'] });
    const readersList = (await access(t, reader.id, 'GET', '/v2/access/vault/lists?limit=40')).body.list as ListView[];
    const target = readersList[0]?.id ?? list.id;
    const before = await listsOf(reader.id);
    const writes: Array<[string, string, unknown]> = [
      ['POST', '/v2/access/vault/lists', { name: 'Not allowed' }],
      ['PATCH', `/v2/access/vault/lists/${target}`, { name: 'Not allowed' }],
      ['DELETE', `/v2/access/vault/lists/${target}`, undefined],
      ['POST', `/v2/access/vault/lists/${target}/media`, { mediaIds: [1] }],
    ];
    for (const [method, path, body] of writes) {
      const refused = await access(t, reader.id, method, path, body === undefined ? {} : { body });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body, `${method} ${path}`).toMatchObject({ type: 'FORBIDDEN', details: { requiredPermission: 'vault:write' } });
    }
    expect(await listsOf(reader.id)).toEqual(before);

    // The owner's list was never visible to the other account, and is untouched.
    expect(readersList.some((l) => l.id === list.id && l.name === name)).toBe(false);
    expect((await listsOf(owner.id)).find((l) => l.id === list.id)).toMatchObject({ name, hasMedia: true });
    expect(await mediaIdsIn(owner.id, list.id)).toEqual([media[0]]);
  });

  it('renaming, deleting or adding to a list that does not exist is a 404; adding media that is not in the vault is a 404 and adds nothing', async () => {
    const conn = await importConnection(t);
    const unknownList = 987_654_321;
    for (const [method, path, body] of [
      ['PATCH', `/v2/access/vault/lists/${unknownList}`, { name: 'Ghost' }],
      ['DELETE', `/v2/access/vault/lists/${unknownList}`, undefined],
      ['POST', `/v2/access/vault/lists/${unknownList}/media`, { mediaIds: [1] }],
    ] as Array<[string, string, unknown]>) {
      const res = await access(t, conn.id, method, path, body === undefined ? {} : { body });
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(404);
      expect(res.body.type).toBe('RESOURCE_NOT_FOUND');
    }

    const list = (await access(t, conn.id, 'POST', '/v2/access/vault/lists', { body: { name: `Real ${Date.now().toString(36)}` } })).body as ListView;
    const media = (await access(t, conn.id, 'GET', '/v2/access/vault/media?limit=1')).body.list.map((m: { id: number }) => m.id);
    const missingMedia = await access(t, conn.id, 'POST', `/v2/access/vault/lists/${list.id}/media`, { body: { mediaIds: [media[0], 999_999_999] } });
    expect(missingMedia.status, JSON.stringify(missingMedia.body)).toBe(404);
    // All or nothing: the one that exists was not added either.
    expect(await mediaIdsIn(conn.id, list.id)).toEqual([]);
    expect((await listsOf(conn.id)).find((l) => l.id === list.id)).toMatchObject({ hasMedia: false });
  });
});
