// The managed endpoints that existed before the simulator served them, now exercised end to end: user search, a
// fan's renewal discount, and vault-list writes (create, rename, add media, list media, delete), each checked
// against what the simulator holds afterwards, read back through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { UserSearchReply } from '../../src/access/endpoints/users.ts';
import { VaultList, VaultListsReply, VaultMediaReply } from '../../src/access/endpoints/vault.ts';
import { BACKENDS } from '../support/databases.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { access, importConnection } from './access-fixture.ts';

function expectShape(schema: TSchema, body: unknown): void {
  const first = [...Value.Errors(schema, body)][0];
  expect(first ? `${first.instancePath}: ${first.message}` : 'ok').toBe('ok');
}

describe.each(BACKENDS)('access: existing writes end to end against the simulator (%s)', (backend) => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  it('user search: a known fan\'s username finds them; a query matching no one is an empty list, not a 404', async () => {
    const conn = await importConnection(t);
    const fan = (await access(t, conn.id, 'GET', '/v2/access/subscribers?type=all&limit=1')).body.list[0];
    const found = await access(t, conn.id, 'GET', `/v2/access/users/search?query=${encodeURIComponent(fan.username)}&limit=20`);
    expect(found.status, JSON.stringify(found.body)).toBe(200);
    expectShape(UserSearchReply, found.body);
    expect(found.body.map((u: { id: number }) => u.id)).toContain(fan.id);

    const none = await access(t, conn.id, 'GET', '/v2/access/users/search?query=zzqq-no-such-user-xx');
    expect(none.status).toBe(200);
    expect(none.body).toEqual([]);
    const noQuery = await access(t, conn.id, 'GET', '/v2/access/users/search');
    expect(noQuery.status).toBe(400);
    expect(noQuery.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'query' } });
  });

  it('subscriber discount: PUT gives the fan a renewal discount, read back on the fan; 0 % takes it away', async () => {
    const conn = await importConnection(t);
    const fanOf = async (id: number) =>
      ((await access(t, conn.id, 'GET', '/v2/access/subscribers?type=all&limit=100')).body.list as Array<{ id: number; subscription: Record<string, unknown> }>).find((f) => f.id === id);
    const fanId = (await access(t, conn.id, 'GET', '/v2/access/subscribers?type=all&limit=1')).body.list[0].id;

    const put = await access(t, conn.id, 'PUT', `/v2/access/subscribers/${fanId}/discount`, { body: { discount: 25, period: 30 } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const discounted = await fanOf(fanId);
    expect(discounted?.subscription).toMatchObject({ discountPercent: 25, discountPeriod: 30, discountStartedAt: expect.any(String), discountFinishedAt: expect.any(String) });
    const { discountStartedAt, discountFinishedAt } = discounted!.subscription as { discountStartedAt: string; discountFinishedAt: string };
    expect(Date.parse(discountFinishedAt) - Date.parse(discountStartedAt)).toBe(30 * 86_400_000);

    expect((await access(t, conn.id, 'PUT', `/v2/access/subscribers/${fanId}/discount`, { body: { discount: 0, period: 1 } })).status).toBe(200);
    expect((await fanOf(fanId))?.subscription).toMatchObject({ discountPercent: null });
    const tooDeep = await access(t, conn.id, 'PUT', `/v2/access/subscribers/${fanId}/discount`, { body: { discount: 101, period: 30 } });
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'discount' } });
  });

  it('vault lists: create, rename, add media, list its media, delete; the lists page agrees at each step', async () => {
    const conn = await importConnection(t);
    const call = (method: string, path: string, body?: unknown) => access(t, conn.id, method, path, body === undefined ? {} : { body });
    const listsNamed = async () => ((await call('GET', '/v2/access/vault/lists?limit=40')).body.list as Array<{ id: number; name: string; hasMedia: boolean }>);
    const name = `Test list ${Date.now().toString(36)}`;

    const created = await call('POST', '/v2/access/vault/lists', { name });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expectShape(VaultList, created.body);
    expect(created.body).toMatchObject({ name, hasMedia: false, type: 'custom' });
    const id = created.body.id;
    expect((await listsNamed()).find((l) => l.id === id)?.name).toBe(name);

    const renamed = await call('PATCH', `/v2/access/vault/lists/${id}`, { name: `${name} (renamed)` });
    expect(renamed.status).toBe(200);
    expectShape(VaultList, renamed.body);
    expect(renamed.body).toMatchObject({ id, name: `${name} (renamed)` });

    const media = (await call('GET', '/v2/access/vault/media?limit=3')).body.list.map((m: { id: number }) => m.id);
    expect(media.length).toBe(3);
    const added = await call('POST', `/v2/access/vault/lists/${id}/media`, { mediaIds: media.slice(0, 2) });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expectShape(VaultList, added.body);
    expect(added.body).toMatchObject({ id, name: `${name} (renamed)`, hasMedia: true });
    // Adding one already in the list keeps it once.
    expect((await call('POST', `/v2/access/vault/lists/${id}/media`, { mediaIds: [media[1], media[2]] })).status).toBe(200);

    const inList = await call('GET', `/v2/access/vault/lists/${id}/media?limit=10`);
    expect(inList.status).toBe(200);
    expectShape(VaultMediaReply, inList.body);
    expect(inList.body.list.map((m: { id: number }) => m.id).sort()).toEqual([...media].sort());
    const lists = await call('GET', '/v2/access/vault/lists?limit=40');
    expectShape(VaultListsReply, lists.body);

    expect((await call('POST', `/v2/access/vault/lists/${id}/media`, { mediaIds: [] })).status).toBe(400);
    expect((await call('POST', '/v2/access/vault/lists', { name: '' })).status).toBe(400);

    const deleted = await call('DELETE', `/v2/access/vault/lists/${id}`);
    expect(deleted.status).toBe(200);
    expect((await listsNamed()).some((l) => l.id === id)).toBe(false);
    expect((await call('GET', `/v2/access/vault/lists/${id}/media`)).status).toBe(404);
  });
});
