import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { ChatMessage, ChatMessagesReply, ChatsReply, DeleteMessageReply } from '../../src/access/endpoints/chats.ts';
import { ChargebacksReply, EarningsChartReply, TransactionsReply } from '../../src/access/endpoints/earnings.ts';
import { AddUserToListsReply, ListUsersReply, UserList, UserListsReply } from '../../src/access/endpoints/lists.ts';
import { SinglePost } from '../../src/access/endpoints/posts.ts';
import { NotificationsReply, SelfReply } from '../../src/access/endpoints/self.ts';
import { SubscribersReply } from '../../src/access/endpoints/subscribers.ts';
import { SubscriptionCountReply, SubscriptionHistoryReply, SubscriptionsReply } from '../../src/access/endpoints/subscriptions.ts';
import { UsersLookupReply, UsersPage } from '../../src/access/endpoints/users.ts';
import { VaultListsReply, VaultMediaReply } from '../../src/access/endpoints/vault.ts';
import { Post, PostsPage } from '../../src/access/endpoints/shared/post-shapes.ts';
import { UserProfile } from '../../src/access/endpoints/shared/user-shapes.ts';
import { BACKENDS } from '../support/databases.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { access, importConnection, type ImportedConnection, messageableFanId } from './access-fixture.ts';

/** Asserts a reply has the SDK's shape (the TypeBox schema the route publishes), naming the first mismatch. */
function expectShape(schema: TSchema, body: unknown): void {
  const first = [...Value.Errors(schema, body)][0];
  expect(first ? `${first.instancePath}: ${first.message}` : 'ok').toBe('ok');
}

describe.each(BACKENDS)('access: managed endpoints against the simulator (%s)', (backend) => {
  let t: TestService;
  let conn: ImportedConnection;
  const get = (path: string) => access(t, conn.id, 'GET', path);

  beforeAll(async () => {
    t = await startTestService(backend);
    conn = await importConnection(t);
  });
  afterAll(async () => t?.close());

  it('self: the connected account in the SDK shape, without upstream-only secrets', async () => {
    const res = await get('/v2/access/self');
    expect(res.status).toBe(200);
    expectShape(SelfReply, res.body);
    expect(res.body).toMatchObject({ id: Number(conn.session.userId), isAuth: true });
    expect(res.body.wsAuthToken).toBeUndefined();
    expect(res.body.email).toBeUndefined();
  });

  it('self update: PATCH changes the name upstream and answers with the profile', async () => {
    const res = await access(t, conn.id, 'PATCH', '/v2/access/self', { body: { name: 'Renamed Creator', about: 'hello there' } });
    expect(res.status).toBe(200);
    expectShape(UserProfile, res.body);
    expect(res.body.name).toBe('Renamed Creator');
    expect((await get('/v2/access/self')).body.name).toBe('Renamed Creator');
  });

  it('self notifications: offset page, SDK type names translated to upstream ones', async () => {
    const res = await get('/v2/access/self/notifications?limit=5');
    expect(res.status).toBe(200);
    expectShape(NotificationsReply, res.body);
    expect(res.body.list.length).toBeLessThanOrEqual(5);
    const tips = await get('/v2/access/self/notifications?type=tip&limit=20');
    expect(tips.status).toBe(200);
    expect(tips.body.list.every((n: any) => n.type === 'tipped')).toBe(true);
  });

  it('chats: inbox page with nextOffset, messages, and a sent message listed back first', async () => {
    const chats = await get('/v2/access/chats?limit=3');
    expect(chats.status).toBe(200);
    expectShape(ChatsReply, chats.body);
    expect(chats.body.list).toHaveLength(3);
    // Offset paging: the seeded inbox has more than a page; the next page starts at nextOffset and shares no chat.
    expect(chats.body).toMatchObject({ hasMore: true, nextOffset: 3 });
    const nextChats = await get(`/v2/access/chats?limit=3&offset=${chats.body.nextOffset}`);
    expect(nextChats.status).toBe(200);
    const partners = (page: { list: Array<{ withUser: { id: number } }> }) => page.list.map((chat) => chat.withUser.id);
    expect(partners(nextChats.body).length).toBeGreaterThan(0);
    expect(partners(nextChats.body).filter((id) => partners(chats.body).includes(id))).toEqual([]);
    const fanId = await messageableFanId(t, conn.id);

    const sent = await access(t, conn.id, 'POST', `/v2/access/chats/${fanId}/messages`, { body: { text: 'Hello from the test' } });
    expect(sent.status).toBe(200);
    expectShape(ChatMessage, sent.body);
    expect(sent.body.text).toContain('Hello from the test');

    const messages = await get(`/v2/access/chats/${fanId}/messages?limit=5`);
    expect(messages.status).toBe(200);
    expectShape(ChatMessagesReply, messages.body);
    expect(messages.body.list[0].id).toBe(sent.body.id);

    const older = await get(`/v2/access/chats/${fanId}/messages?limit=5&id=${sent.body.id}`);
    expect(older.body.list.every((m: any) => m.id < sent.body.id)).toBe(true);

    const unsent = await access(t, conn.id, 'DELETE', `/v2/access/chats/${fanId}/messages/${sent.body.id}`, { body: { withUserId: fanId } });
    expect(unsent.status).toBe(200);
    expectShape(DeleteMessageReply, unsent.body);
    expect(unsent.body.success).toBe(true);
    const after = await get(`/v2/access/chats/${fanId}/messages?limit=5`);
    expect(after.body.list.some((m: any) => m.id === sent.body.id)).toBe(false);
  });

  it('chats media: media exchanged in a chat, as messages', async () => {
    const vault = await get('/v2/access/vault/media?limit=1');
    const fanId = await messageableFanId(t, conn.id);
    const mediaId = vault.body.list[0].id;
    const sent = await access(t, conn.id, 'POST', `/v2/access/chats/${fanId}/messages`, { body: { text: 'a photo', mediaItems: [mediaId], price: 5 } });
    expect(sent.status).toBe(200);
    expect(sent.body.media.map((m: any) => m.id)).toEqual([mediaId]);
    const media = await get(`/v2/access/chats/${fanId}/media?limit=10`);
    expect(media.status).toBe(200);
    expectShape(ChatMessagesReply, media.body);
    expect(media.body.list.some((m: any) => m.media.some((x: any) => x.id === mediaId))).toBe(true);
  });

  it('subscribers: fans in the normalised shape; note and custom name are written upstream and read back', async () => {
    const res = await get('/v2/access/subscribers?limit=5&type=all');
    expect(res.status).toBe(200);
    expectShape(SubscribersReply, res.body);
    expect(res.body.list.length).toBeGreaterThan(0);
    const fan = res.body.list[0];
    expect(fan.spending.total).toBeGreaterThanOrEqual(0);

    const note = await access(t, conn.id, 'PUT', `/v2/access/subscribers/${fan.id}/note`, { body: { notice: 'VIP fan' } });
    expect(note.status).toBe(200);
    const named = await access(t, conn.id, 'PUT', `/v2/access/subscribers/${fan.id}/custom-name`, { body: { displayName: 'Big Spender' } });
    expect(named.status).toBe(200);
    const profile = await get(`/v2/access/users/${fan.id}`);
    expect(profile.body).toMatchObject({ notice: 'VIP fan', displayName: 'Big Spender' });
  });

  it('subscriptions: list, count and the history of one subscription', async () => {
    const list = await get('/v2/access/subscriptions?limit=5');
    expect(list.status).toBe(200);
    expectShape(SubscriptionsReply, list.body);
    const count = await get('/v2/access/subscriptions/count');
    expect(count.status).toBe(200);
    expectShape(SubscriptionCountReply, count.body);
    expect(count.body.subscribers.all).toBeGreaterThan(0);

    // A fan with subscription periods (a lapsed one-day subscription can have none).
    const fans = await get('/v2/access/subscribers?limit=10&type=all');
    const fan = fans.body.list.find((f: any) => f.subscription.history.length > 0);
    expect(fan).toBeDefined();
    const history = await get(`/v2/access/subscriptions/${fan.id}/history`);
    expect(history.status).toBe(200);
    expectShape(SubscriptionHistoryReply, history.body);
    expect(history.body.list.length).toBeGreaterThan(0);
  });

  it('users: profile, batch lookup, posts page, blocked/restricted lists, restrict and unrestrict', async () => {
    const fans = await get('/v2/access/subscribers?limit=2&type=all');
    const [a, b] = fans.body.list.map((f: any) => f.id);
    const profile = await get(`/v2/access/users/${a}`);
    expect(profile.status).toBe(200);
    expectShape(UserProfile, profile.body);

    const lookup = await get(`/v2/access/users/list?userIds=${a}&userIds=${b}`);
    expect(lookup.status).toBe(200);
    expectShape(UsersLookupReply, lookup.body);
    expect(lookup.body.users.map((u: any) => u.id).sort()).toEqual([a, b].sort());
    const commaSeparated = await get(`/v2/access/users/list?userIds=${a},${b}`);
    expect(commaSeparated.body.users).toHaveLength(2);

    const restricted = await access(t, conn.id, 'POST', `/v2/access/users/${a}/restrict`);
    expect(restricted.status).toBe(200);
    const listRestricted = await get('/v2/access/users/restrict');
    expect(listRestricted.status).toBe(200);
    expectShape(UsersPage, listRestricted.body);
    expect(listRestricted.body.list.map((u: any) => u.id)).toContain(a);
    await access(t, conn.id, 'DELETE', `/v2/access/users/${a}/restrict`);
    expect((await get('/v2/access/users/restrict')).body.list.map((u: any) => u.id)).not.toContain(a);

    const blocked = await get('/v2/access/users/blocked');
    expect(blocked.status).toBe(200);
    expectShape(UsersPage, blocked.body);

    const ownPosts = await get(`/v2/access/users/${conn.session.userId}/posts?limit=3`);
    expect(ownPosts.status).toBe(200);
    expectShape(PostsPage, ownPosts.body);
  });

  it('user lists: create, rename, add and remove members, list members, delete', async () => {
    const lists = await get('/v2/access/users/lists?limit=20');
    expect(lists.status).toBe(200);
    expectShape(UserListsReply, lists.body);

    const created = await access(t, conn.id, 'POST', '/v2/access/users/lists', { body: { name: 'Whales' } });
    expect(created.status).toBe(200);
    expectShape(UserList, created.body);
    const listId = created.body.id;
    const renamed = await access(t, conn.id, 'PATCH', `/v2/access/users/lists/${listId}`, { body: { name: 'Big whales' } });
    expect(renamed.body.name).toBe('Big whales');

    const fans = await get('/v2/access/subscribers?limit=2&type=all');
    const [a, b] = fans.body.list.map((f: any) => f.id);
    expect((await access(t, conn.id, 'POST', `/v2/access/users/lists/${listId}/users/${a}`)).status).toBe(200);
    const multi = await access(t, conn.id, 'POST', `/v2/access/users/${b}/lists`, { body: { listIds: [listId] } });
    expect(multi.status).toBe(200);
    expectShape(AddUserToListsReply, multi.body);
    const members = await get(`/v2/access/users/lists/${listId}/users`);
    expect(members.status).toBe(200);
    expectShape(ListUsersReply, members.body);
    expect(members.body.list.map((u: any) => u.id).sort()).toEqual([a, b].sort());
    await access(t, conn.id, 'DELETE', `/v2/access/users/lists/${listId}/users/${a}`);
    expect((await get(`/v2/access/users/lists/${listId}/users`)).body.list.map((u: any) => u.id)).toEqual([b]);

    const one = await get(`/v2/access/users/lists/${listId}`);
    expectShape(UserList, one.body);
    expect((await access(t, conn.id, 'DELETE', `/v2/access/users/lists/${listId}`)).status).toBe(200);
    expect((await get(`/v2/access/users/lists/${listId}`)).status).toBe(404);
  });

  it('posts: own posts with the publish-time cursor, create, read, edit, delete', async () => {
    const first = await get('/v2/access/posts?limit=2&includePostCounts=true');
    expect(first.status).toBe(200);
    expectShape(PostsPage, first.body);
    expect(first.body.list).toHaveLength(2);
    const next = await get(`/v2/access/posts?limit=2&beforePublishTime=${first.body.tailMarker}`);
    expect(next.body.list[0].id).not.toBe(first.body.list[0].id);

    const created = await access(t, conn.id, 'POST', '/v2/access/posts', { body: { text: 'New post from the API' } });
    expect(created.status).toBe(200);
    expectShape(Post, created.body);
    const one = await get(`/v2/access/posts/${created.body.id}`);
    expect(one.status).toBe(200);
    expectShape(SinglePost, one.body);
    const edited = await access(t, conn.id, 'PUT', `/v2/access/posts/${created.body.id}`, { body: { text: 'Edited text' } });
    expect(edited.body.rawText).toBe('Edited text');
    expect((await access(t, conn.id, 'DELETE', `/v2/access/posts/${created.body.id}`)).status).toBe(200);
    const gone = await get(`/v2/access/posts/${created.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.type).toBe('RESOURCE_NOT_FOUND');
  });

  it('vault: lists, media, media of one list', async () => {
    const lists = await get('/v2/access/vault/lists');
    expect(lists.status).toBe(200);
    expectShape(VaultListsReply, lists.body);
    const media = await get('/v2/access/vault/media?limit=5&mediaType=photo');
    expect(media.status).toBe(200);
    expectShape(VaultMediaReply, media.body);
    expect(media.body.list.every((m: any) => m.type === 'photo')).toBe(true);
    if (lists.body.list.length > 0) {
      const inList = await get(`/v2/access/vault/lists/${lists.body.list[0].id}/media?limit=5`);
      expect(inList.status).toBe(200);
      expectShape(VaultMediaReply, inList.body);
    }
  });

  it('earnings: chart for one category, transactions with marker pagination, chargebacks', async () => {
    const chart = await get('/v2/access/earnings/chart?by=tips&startDate=2020-01-01T00:00:00Z');
    expect(chart.status).toBe(200);
    expectShape(EarningsChartReply, chart.body);

    const page1 = await get('/v2/access/earnings/transactions');
    expect(page1.status).toBe(200);
    expectShape(TransactionsReply, page1.body);
    if (page1.body.hasMore) {
      const page2 = await get(`/v2/access/earnings/transactions?marker=${page1.body.nextMarker}`);
      expect(page2.status).toBe(200);
      const seen = new Set(page1.body.list.map((x: any) => x.id));
      expect(page2.body.list.some((x: any) => seen.has(x.id))).toBe(false);
    }
    const chargebacks = await get('/v2/access/earnings/chargebacks');
    expect(chargebacks.status).toBe(200);
    expectShape(ChargebacksReply, chargebacks.body);
  });

  it('every managed route is in the OpenAPI document with the x-connection-id header', async () => {
    const doc = (await access(t, null, 'GET', '/openapi.json')).body;
    for (const path of ['/v2/access/self', '/v2/access/chats/{userId}/messages', '/v2/access/earnings/transactions', '/v2/account/usage']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const params = doc.paths['/v2/access/chats'].get.parameters.map((p: any) => `${p.in}:${p.name}`);
    expect(params).toContain('header:x-connection-id');
  });
});
