import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/server.ts';
import { type SignedBrowser, testClock, startSandboxWithCreator } from './signed-browser.ts';

describe('mass messages', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;
  let creator: SignedBrowser;
  let fanIds: number[];

  beforeAll(async () => {
    ({ sandbox, creator } = await startSandboxWithCreator(clock, 14, 'mass@creator.sandbox.com'));
    fanIds = (await creator.get('/api2/v2/subscriptions/subscribers?type=all&limit=100')).body.list.filter((u: { isBlocked: boolean }) => !u.isBlocked).map((u: { id: number }) => u.id);
  });
  afterAll(() => sandbox.close());

  it('a scheduled one is created, read, listed, replaced and deleted, and goes out when its time comes', async () => {
    const at = new Date(clock.now() + 3_600_000).toISOString();
    const created = await creator.post('/api2/v2/messages/queue', { text: 'Later', price: 0, mediaFiles: [], userIds: fanIds.slice(0, 3), userLists: [], excludedLists: [], scheduledDate: at });
    expect(created.body).toMatchObject({ isDone: false, total: 3, pending: 3 });
    const id = created.body.id;
    expect((await creator.get(`/api2/v2/messages/queue/${id}`)).body).toMatchObject({ id, text: '<p>Later</p>', sentCount: 0, scheduledDate: expect.any(String) });
    expect((await creator.get('/api2/v2/messages/queue?limit=5')).body.list[0].id).toBe(id);
    const replaced = await creator.send('PUT', `/api2/v2/messages/queue/${id}`, { body: { text: 'Later, edited', scheduledDate: at, userIds: fanIds.slice(0, 2) } });
    expect(replaced.body).toMatchObject({ id, text: '<p>Later, edited</p>', total: 2 });
    const last = async (fanId: number) => (await creator.get(`/api2/v2/chats/${fanId}/messages?limit=1`)).body.list[0];
    expect((await last(fanIds[0]))?.text).not.toBe('<p>Later, edited</p>');

    clock.advance(2 * 3_600_000);
    // The fan's chat shows it without anyone looking at the queue first.
    expect(await last(fanIds[0])).toMatchObject({ text: '<p>Later, edited</p>', isFromQueue: true, queueId: id });
    expect((await creator.get(`/api2/v2/messages/queue/${id}`)).body).toMatchObject({ isDone: true, sentCount: 2 });
    expect((await creator.send('PUT', `/api2/v2/messages/queue/${id}`, { body: { text: 'too late' } })).status).toBe(400);
    expect((await creator.send('DELETE', `/api2/v2/messages/queue/${id}`)).body).toEqual({ success: true });
    expect((await last(fanIds[0]))?.queueId).not.toBe(id);
    expect((await creator.get(`/api2/v2/messages/queue/${id}`)).body.isCanceled).toBe(true);
  });

  it('a paid one lands in every recipient\'s chat, and its views, purchases, buyers and earnings agree', async () => {
    const media = (await creator.get('/api2/v2/vault/media?limit=1')).body.list[0].id;
    const before = (await creator.get('/api2/v2/payouts/transactions?limit=100')).body.list.length;
    const sent = await creator.post('/api2/v2/messages/queue', { text: 'PPV set', price: 14.99, mediaFiles: [media], userLists: ['fans'], excludedLists: [], userIds: [] });
    expect(sent.body).toMatchObject({ isDone: true });
    const id = sent.body.id;
    const row = (await creator.get('/api2/v2/users/me/stats/messages/group?limit=5')).body.items.find((i: { id: number }) => i.id === id);
    expect(row.sentCount).toBe(sent.body.total);
    expect(row.purchasedCount).toBeGreaterThan(0);
    expect(row.viewedCount).toBeGreaterThanOrEqual(row.purchasedCount);

    const buyers = (await creator.get(`/api2/v2/messages/queue/${id}/buyers?limit=100`)).body.list.map((u: { id: number }) => u.id);
    expect(buyers).toHaveLength(row.purchasedCount);
    for (const buyer of buyers) {
      expect(fanIds).toContain(buyer);
      const message = (await creator.get(`/api2/v2/chats/${buyer}/messages?limit=1`)).body.list[0];
      expect(message).toMatchObject({ queueId: id, price: 14.99, isOpened: true });
    }
    const purchased = (await creator.get('/api2/v2/users/me/stats/messages/purchased?limit=100')).body.items.map((i: { id: number }) => i.id);
    expect(purchased).toContain(id);
    const transactions = (await creator.get('/api2/v2/payouts/transactions?limit=100')).body.list;
    expect(transactions.length).toBe(Math.min(100, before + buyers.length));
    expect(transactions.slice(0, buyers.length).every((t: { amount: number }) => t.amount === 14.99)).toBe(true);

    const day = new Date(clock.now()).toISOString().slice(0, 10);
    const chart = (await creator.get(`/api2/v2/messages/queue/chart?startDate=${day}%2000:00:00&endDate=${day}%2023:59:59`)).body;
    expect(chart.purchased.total).toBeGreaterThanOrEqual(row.purchasedCount);
    expect(chart.sent.total).toBeGreaterThanOrEqual(row.sentCount);
  });

  it('subscribedAfterDate keeps only fans who subscribed since then', async () => {
    const fans = (await creator.get('/api2/v2/subscriptions/subscribers?type=all&limit=100')).body.list;
    const cutoff = fans[4].subscribedOnData.subscribeAt;
    const newer = fans.filter((f: { isBlocked: boolean; subscribedOnData: { subscribeAt: string } }) => !f.isBlocked && Date.parse(f.subscribedOnData.subscribeAt) >= Date.parse(cutoff));
    const sent = await creator.post('/api2/v2/messages/queue', { text: 'New fans only', userLists: ['fans'], subscribedAfterDate: cutoff });
    expect(sent.body.total).toBe(newer.length);
  });
});
