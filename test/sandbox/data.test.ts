import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/server.ts';
import { SignedBrowser, control, testClock } from './signed-browser.ts';
import { withoutPerReadValues } from '../support/sandbox.ts';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

describe('simulated account data', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;
  let creator: SignedBrowser;
  let fan: SignedBrowser;
  const login = async (email: string) => {
    const session = (await control(sandbox.url, 'POST', '/_sandbox/sessions', { email })).body;
    return SignedBrowser.fromSession(sandbox.url, clock.now, session);
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ now: clock.now, seed: 42 });
    creator = await login('data@creator.sandbox.com');
    fan = await login('data@fan.sandbox.com');
  });
  afterAll(() => sandbox.close());

  it('/users/me carries the catalogue fields with realistic formats', async () => {
    const me = (await creator.get('/api2/v2/users/me')).body;
    for (const field of ['id', 'username', 'name', 'email', 'isAuth', 'avatar', 'header', 'about', 'isPerformer', 'isVerified', 'subscribersCount', 'subscribesCount', 'subscribePrice', 'postsCount', 'photosCount', 'videosCount', 'mediasCount', 'favoritedCount', 'canEarn', 'joinDate', 'creditBalance', 'isOtpEnabled', 'notificationsCount', 'chatMessagesCount', 'hasNewAlerts', 'minPayoutSumm', 'withdrawalPeriod', 'replyOnSubscribe', 'canSendChatToAll', 'messageMinPrice', 'messageMaxPrice', 'postMinPrice', 'postMaxPrice', 'wsUrl', 'wsAuthToken', 'forceFaceOtp', 'ivStatus']) {
      expect(me, field).toHaveProperty(field);
    }
    expect(String(me.id)).toMatch(/^\d{6,9}$/);
    expect(me.joinDate).toMatch(ISO);
    expect(me.isPerformer).toBe(true);
    expect(me.about).toMatch(/^<p>/);
    expect((await fan.get('/api2/v2/users/me')).body.isPerformer).toBe(false);
  });

  it('PATCH /users/me persists', async () => {
    expect((await creator.send('PATCH', '/api2/v2/users/me', { body: { about: 'New bio', location: 'Lisbon' } })).body).toEqual({ success: true });
    const me = (await creator.get('/api2/v2/users/me')).body;
    expect(me.rawAbout).toBe('New bio');
    expect(me.location).toBe('Lisbon');
  });

  it('subscribers page by offset up to 100 and carry subscribedOnData', async () => {
    const me = (await creator.get('/api2/v2/users/me')).body;
    const all: number[] = [];
    for (let offset = 0; ; offset += 50) {
      const page = (await creator.get(`/api2/v2/subscriptions/subscribers?type=all&limit=50&offset=${offset}`)).body;
      all.push(...page.list.map((u: { id: number }) => u.id));
      if (!page.hasMore) break;
    }
    expect(all).toHaveLength(me.subscribersCount);
    expect(new Set(all).size).toBe(all.length);
    const first = (await creator.get('/api2/v2/subscriptions/subscribers?type=all&limit=500')).body;
    expect(first.list.length).toBeLessThanOrEqual(100);
    const user = first.list[0];
    expect(user.subscribedOnData).toMatchObject({ subscribeAt: expect.stringMatching(ISO), totalSumm: expect.any(Number), tipsSumm: expect.any(Number) });
    const counts = (await creator.get('/api2/v2/subscriptions/count/all')).body;
    expect(counts.subscribers.all).toBe(me.subscribersCount);
    expect(counts.subscribers.active + counts.subscribers.expired).toBe(counts.subscribers.all);
  });

  it('latest subscribers and a fan\'s subscriptions', async () => {
    const latest = (await creator.get('/api2/v2/subscriptions/subscribers/latest?limit=100&offset=0&format=infinite')).body;
    expect(latest.list[0]).toMatchObject({ id: expect.any(Number), subscribedByData: { subscribeAt: expect.stringMatching(ISO) } });
    const subs = (await fan.get('/api2/v2/subscriptions/subscribes?type=all&limit=10&offset=0')).body;
    expect(subs.list.length).toBeGreaterThan(0);
    expect(subs.list[0].isPerformer).toBe(true);
    expect(subs.list[0]).toHaveProperty('subscribedByData');
  });

  it('looks users up by id, u<id>, username and /users/list', async () => {
    const fanId = (await creator.get('/api2/v2/subscriptions/subscribers?type=all&limit=1')).body.list[0];
    expect((await creator.get(`/api2/v2/users/${fanId.id}`)).body.id).toBe(fanId.id);
    expect((await creator.get(`/api2/v2/users/u${fanId.id}`)).body.id).toBe(fanId.id);
    expect((await creator.get(`/api2/v2/users/${fanId.username}`)).body.id).toBe(fanId.id);
    const listed = (await creator.get(`/api2/v2/users/list?m[]=${fanId.id}&m[]=1`)).body;
    expect(Object.keys(listed)).toEqual([String(fanId.id)]);
    const missing = await creator.get('/api2/v2/users/nobody-here-at-all');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 0, message: 'User not found' } });
  });

  it('PUT /subscriptions/{id} stores a note and display name', async () => {
    const fanUser = (await creator.get('/api2/v2/subscriptions/subscribers?type=all&limit=1')).body.list[0];
    expect((await creator.send('PUT', `/api2/v2/subscriptions/${fanUser.id}`, { body: { notice: 'likes cats', displayName: 'Cat fan' } })).body).toEqual({ success: true });
    expect((await creator.get(`/api2/v2/users/${fanUser.id}`)).body).toMatchObject({ notice: 'likes cats', displayName: 'Cat fan' });
  });

  it('/chats lists by recent and rejects search=', async () => {
    const chats = (await creator.get('/api2/v2/chats?limit=10&offset=0&order=recent&skip_users=all')).body;
    expect(chats.list).toHaveLength(10);
    expect(chats.hasMore).toBe(true);
    expect(chats.list[0].withUser).toEqual({ id: expect.any(Number), _view: 'm' });
    const times = chats.list.map((c: { lastMessage: { createdAt: string } }) => Date.parse(c.lastMessage.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const search = await creator.get('/api2/v2/chats?limit=10&search=abc');
    expect(search.status).toBe(400);
    expect(search.body.error.message).toBe('Invalid filter');
  });

  it('messages page with the message-id cursor', async () => {
    const chat = (await creator.get('/api2/v2/chats?limit=1&offset=0&order=recent')).body.list[0];
    const chatId = chat.withUser.id;
    const seen: number[] = [];
    let cursor = '';
    for (;;) {
      const page = (await creator.get(`/api2/v2/chats/${chatId}/messages?limit=5&order=desc${cursor}`)).body;
      seen.push(...page.list.map((m: { id: number }) => m.id));
      if (!page.hasMore) break;
      cursor = `&id=${page.list.at(-1).id}`;
    }
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
    expect(String(seen[0])).toMatch(/^\d{13}$/);
    expect(seen[0]).toBe(chat.lastMessage.id);
  });

  it('a sent message persists, and unsending it removes it', async () => {
    const chatId = (await creator.get('/api2/v2/chats?limit=1&offset=0&order=recent')).body.list[0].withUser.id;
    const sent = await creator.post(`/api2/v2/chats/${chatId}/messages`, { text: 'Hello there', lockedText: false, mediaFiles: [], price: 0, previews: [], rfTag: [], rfGuest: [], rfPartner: [], isForward: false });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ text: '<p>Hello there</p>', responseType: 'message', fromUser: { id: Number(creator.cookies.get('auth_id')) }, price: 0, isFree: true });
    const newest = (await creator.get(`/api2/v2/chats/${chatId}/messages?limit=1&order=desc`)).body.list[0];
    expect(newest.id).toBe(sent.body.id);
    expect((await creator.get(`/api2/v2/chats/${chatId}`)).body.lastMessage.id).toBe(sent.body.id);
    const unsent = await creator.send('DELETE', `/api2/v2/messages/${sent.body.id}`, { body: { withUserId: chatId } });
    expect(unsent.body).toEqual({ success: true });
    const after = (await creator.get(`/api2/v2/chats/${chatId}/messages?limit=1&order=desc`)).body.list[0];
    expect(after.id).not.toBe(sent.body.id);
    expect((await creator.send('DELETE', `/api2/v2/messages/${sent.body.id}`, { body: { withUserId: chatId } })).status).toBe(404);
  });

  it('a PPV message attaches vault media; unknown vault ids are "Media Not Found"', async () => {
    const chatId = (await creator.get('/api2/v2/chats?limit=1&offset=0&order=recent')).body.list[0].withUser.id;
    const media = (await creator.get('/api2/v2/vault/media?limit=2&offset=0&sort=desc&field=recent&list=all')).body.list;
    const ppv = await creator.post(`/api2/v2/chats/${chatId}/messages`, { text: 'Unlock me', mediaFiles: [media[0].id], price: 9.99, previews: [] });
    expect(ppv.body).toMatchObject({ price: 9.99, isFree: false, mediaCount: 1 });
    const bad = await creator.post(`/api2/v2/chats/${chatId}/messages`, { text: 'x', mediaFiles: [1], price: 5 });
    expect(bad.status).toBe(404);
    expect(bad.body.error.message).toBe('Media Not Found');
  });

  it('messaging a stranger is "Cannot send message to this user"', async () => {
    const reply = await creator.post('/api2/v2/chats/123/messages', { text: 'hi' });
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toBe('Cannot send message to this user');
  });

  it('vault lists require view=main', async () => {
    const bad = await creator.get('/api2/v2/vault/lists?limit=10&offset=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('Bad view param');
    const ok = (await creator.get('/api2/v2/vault/lists?view=main&limit=10&offset=0')).body;
    expect(ok.list.length).toBeGreaterThan(0);
    expect(ok.list[0]).toMatchObject({ id: expect.any(Number), name: expect.any(String), photosCount: expect.any(Number) });
    expect(ok.all).toHaveProperty('videosCount');
    const inList = (await creator.get(`/api2/v2/vault/media?limit=24&offset=0&list=${ok.list[0].id}`)).body.list;
    expect(inList.length).toBeGreaterThan(0);
    const one = (await creator.get(`/api2/v2/vault/media/${inList[0].id}`)).body;
    // An absolute URL on the simulator's CDN (OnlyFans' is https; the simulator serves its own on loopback).
    expect(one.files.full.url).toMatch(/^https?:\/\/[^/]+\/files\//);
    expect((await creator.get('/api2/v2/vault/media/1')).status).toBe(404);
  });

  it('posts page by tailMarker / beforePublishTime and support create, edit, delete', async () => {
    const me = (await creator.get('/api2/v2/users/me')).body;
    const ids: number[] = [];
    let cursor = '';
    for (;;) {
      const page = (await creator.get(`/api2/v2/users/${me.id}/posts?limit=10&order=publish_date_desc&skip_users=all&format=infinite${cursor}`)).body;
      ids.push(...page.list.map((p: { id: number }) => p.id));
      if (!page.hasMore) break;
      expect(page.tailMarker).toMatch(/^\d+\.\d{6}$/);
      cursor = `&beforePublishTime=${page.tailMarker}`;
    }
    expect(ids).toHaveLength(me.postsCount);
    const created = (await creator.post('/api2/v2/posts', { text: 'Fresh post', mediaFiles: [], price: 0 })).body;
    expect(created.rawText).toBe('Fresh post');
    expect((await creator.send('PUT', `/api2/v2/posts/${created.id}`, { body: { text: 'Edited' } })).body.rawText).toBe('Edited');
    expect((await creator.get(`/api2/v2/posts/${created.id}`)).body.rawText).toBe('Edited');
    expect((await creator.send('DELETE', `/api2/v2/posts/${created.id}`)).body).toEqual({ success: true });
    expect((await creator.get(`/api2/v2/posts/${created.id}`)).status).toBe(404);
  });

  it('lists return a bare array unless format=infinite, and membership changes persist', async () => {
    const bare = (await creator.get('/api2/v2/lists?offset=0&limit=20')).body;
    expect(Array.isArray(bare)).toBe(true);
    const infinite = (await creator.get('/api2/v2/lists?offset=0&limit=20&format=infinite')).body;
    expect(infinite.list.map((l: { id: unknown }) => l.id)).toEqual(expect.arrayContaining(['fans', 'following', 'bookmarks']));
    const created = (await creator.post('/api2/v2/lists', { name: 'Test list' })).body;
    expect(typeof created.id).toBe('number');
    const fanUser = (await creator.get('/api2/v2/subscriptions/subscribers?type=all&limit=1')).body.list[0];
    expect((await creator.post(`/api2/v2/lists/${created.id}/users/${fanUser.id}`)).body).toEqual({ success: true });
    const users = (await creator.get(`/api2/v2/lists/${created.id}/users?format=infinite`)).body;
    expect(users.list.map((u: { id: number }) => u.id)).toEqual([fanUser.id]);
    await creator.send('DELETE', `/api2/v2/lists/${created.id}/users/${fanUser.id}`);
    expect((await creator.get(`/api2/v2/lists/${created.id}`)).body.usersCount).toBe(0);
  });

  it('notifications take singular past-tense types and reject plurals', async () => {
    const ok = await creator.get('/api2/v2/users/notifications?limit=10&offset=0&skip_users=all&format=infinite&type=subscribed');
    expect(ok.status).toBe(200);
    expect(ok.body.list.every((n: { type: string }) => n.type === 'subscribed')).toBe(true);
    const plural = await creator.get('/api2/v2/users/notifications?limit=10&type=subscribes');
    expect(plural.status).toBe(400);
  });

  it('transactions page with marker/nextMarker and have 32-hex ids', async () => {
    const ids: string[] = [];
    let marker = '';
    let pages = 0;
    for (;;) {
      const page = (await creator.get(`/api2/v2/payouts/transactions?limit=50${marker}`)).body;
      pages++;
      ids.push(...page.list.map((t: { id: string }) => t.id));
      if (!page.hasMore) {
        expect(page.nextMarker).toBeNull();
        break;
      }
      marker = `&marker=${page.nextMarker}`;
    }
    expect(pages).toBeGreaterThan(2);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    const row = (await creator.get('/api2/v2/payouts/transactions?limit=1')).body.list[0];
    expect(row).toMatchObject({ currency: 'USD', createdAt: expect.stringMatching(ISO), user: { id: expect.any(Number) } });
    expect(row.net).toBeCloseTo(row.amount * 0.8, 1);
  });

  it('earnings chart, balances and chargebacks', async () => {
    const chart = (await creator.get('/api2/v2/earnings/chart?startDate=2026-08-01%2000:00:00&endDate=2026-11-25%2000:00:00&withTotal=true')).body;
    for (const key of ['total', 'subscribes', 'tips', 'chat_messages', 'post', 'stream', 'ref']) expect(chart[key]).toHaveProperty('chartAmount');
    expect(chart.total.total).toBeGreaterThan(0);
    expect((await creator.get('/api2/v2/payouts/balances')).body).toMatchObject({ currency: 'USD', payoutAvailable: expect.any(Number) });
    expect((await creator.get('/api2/v2/payouts/chargebacks')).body).toEqual({ list: expect.any(Array), marker: null });
  });

  it('blocked and restricted users, and restricting someone', async () => {
    const fanUser = (await creator.get('/api2/v2/subscriptions/subscribers?type=all&limit=1&offset=5')).body.list[0];
    expect((await creator.post(`/api2/v2/users/${fanUser.id}/restrict`)).body).toEqual({ success: true });
    const restricted = (await creator.get('/api2/v2/users/restrict?limit=100')).body.list.map((u: { id: number }) => u.id);
    expect(restricted).toContain(fanUser.id);
    await creator.send('DELETE', `/api2/v2/users/${fanUser.id}/restrict`);
    expect((await creator.get('/api2/v2/users/restrict?limit=100')).body.list.map((u: { id: number }) => u.id)).not.toContain(fanUser.id);
    expect((await creator.get('/api2/v2/users/blocked')).body).toHaveProperty('list');
  });

  it('a mass message to the fans list is queued and lands in their chats', async () => {
    const size = (await creator.post('/api2/v2/messages/queue/size', { excludeIds: [], groups: ['all'] })).body.size;
    expect(size).toBeGreaterThan(0);
    const queued = await creator.post('/api2/v2/messages/queue', { text: 'Weekend sale', lockedText: false, mediaFiles: [], price: 0, previews: [], userLists: ['fans'], userIds: [], excludedLists: [] });
    expect(queued.status).toBe(200);
    expect(queued.body).toMatchObject({ id: expect.any(Number), isDone: true, total: expect.any(Number), canUnsend: true });
    const chat = (await creator.get('/api2/v2/chats?limit=100&offset=0&order=recent')).body.list[0];
    expect(chat.lastMessage).toMatchObject({ text: '<p>Weekend sale</p>', isFromQueue: true });
    const stats = (await creator.get('/api2/v2/users/me/stats/messages/group?limit=5&offset=0')).body;
    expect(stats.items[0]).toMatchObject({ id: queued.body.id, sentCount: queued.body.total });
    expect((await creator.send('DELETE', `/api2/v2/messages/queue/${queued.body.id}`)).body).toEqual({ success: true });
    expect((await creator.get('/api2/v2/messages/queue?limit=1')).body.list[0].isCanceled).toBe(true);
  });

  it('GET /sessions lists the user\'s sessions and DELETE /sessions logs out the others', async () => {
    const other = await login('data@creator.sandbox.com');
    const list = (await creator.get('/api2/v2/sessions')).body.list;
    expect(list.length).toBeGreaterThanOrEqual(2);
    expect(list.filter((s: { isCurrent: boolean }) => s.isCurrent)).toHaveLength(1);
    await creator.send('DELETE', '/api2/v2/sessions');
    expect((await other.get('/api2/v2/users/me')).status).toBe(401);
    expect((await creator.get('/api2/v2/users/me')).status).toBe(200);
  });
});

describe('determinism', () => {
  const read = async (seed: number, reverseOrder = false) => {
    const clock = testClock();
    const sandbox = await startSandbox({ now: clock.now, seed });
    try {
      const session = (await control(sandbox.url, 'POST', '/_sandbox/sessions', { email: 'same@creator.sandbox.com' })).body;
      const b = SignedBrowser.fromSession(sandbox.url, clock.now, session);
      const paths = ['/api2/v2/users/me', '/api2/v2/chats?limit=5&offset=0&order=recent', '/api2/v2/payouts/transactions?limit=5', '/api2/v2/vault/media?limit=5', '/api2/v2/subscriptions/subscribers?type=all&limit=5'];
      const out: Record<string, unknown> = {};
      for (const path of reverseOrder ? [...paths].reverse() : paths) {
        const body = (await b.get(path)).body;
        if (path.endsWith('/me')) delete body.email;
        out[path] = withoutPerReadValues(body);
      }
      return out;
    } finally {
      await sandbox.close();
    }
  };

  it('two sandboxes with the same seed return the same data', async () => {
    const [a, b] = [await read(5), await read(5)];
    expect(a).toEqual(b);
  });

  it('different seeds return different data for the same account, but the same user id', async () => {
    const [a, b] = [await read(5), await read(6)];
    expect((a['/api2/v2/users/me'] as { id: number }).id).toBe((b['/api2/v2/users/me'] as { id: number }).id);
    expect((a['/api2/v2/users/me'] as { name: string }).name).not.toBe((b['/api2/v2/users/me'] as { name: string }).name);
  });

  it('generation does not depend on the order areas are read in', async () => {
    const [forwards, backwards] = [await read(7), await read(7, true)];
    expect(backwards).toEqual(forwards);
  });
});
