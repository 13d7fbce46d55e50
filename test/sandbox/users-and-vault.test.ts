import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/server.ts';
import { type SignedBrowser, testClock, startSandboxWithCreator } from './signed-browser.ts';

describe('user search, subscriber discounts and vault lists', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;
  let creator: SignedBrowser;

  beforeAll(async () => {
    ({ sandbox, creator } = await startSandboxWithCreator(clock, 11, 'users@creator.sandbox.com'));
  });
  afterAll(() => sandbox.close());

  it('user search finds fans by username or name, and no match is an empty page, not a 404', async () => {
    const fan = (await creator.get('/api2/v2/subscriptions/subscribers?type=all&limit=1')).body.list[0];
    const byUsername = await creator.get(`/api2/v2/users/search?query=${fan.username}&limit=10&offset=0`);
    expect(byUsername.status).toBe(200);
    expect(byUsername.body.list.map((u: { id: number }) => u.id)).toContain(fan.id);
    const byName = await creator.get(`/api2/v2/users/search?query=${encodeURIComponent(fan.name.split(' ')[0].toLowerCase())}`);
    expect(byName.body.list.some((u: { id: number }) => u.id === fan.id)).toBe(true);
    const none = await creator.get('/api2/v2/users/search?query=zzzz-nobody-here');
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ list: [], hasMore: false });
  });

  it('users carry the subscription fields the SDK requires, and a discount shows in them', async () => {
    const fan = (await creator.get('/api2/v2/subscriptions/subscribers?type=active&limit=1')).body.list[0];
    const on = fan.subscribedOnData;
    for (const field of ['newPrice', 'discountPercent', 'discountPeriod', 'renewedAt', 'discountFinishedAt', 'discountStartedAt', 'isMuted', 'unsubscribeReason', 'hasActivePaidSubscriptions']) {
      expect(on, field).toHaveProperty(field);
    }
    for (const field of ['userId', 'subscriberId', 'date', 'duration', 'earningId', 'action', 'offerStart', 'offerEnd']) expect(on.subscribes[0], field).toHaveProperty(field);
    expect(on.subscribes[0].subscriberId).toBe(fan.id);
    expect(on.discountPercent).toBeNull();

    expect((await creator.send('PUT', `/api2/v2/subscriptions/${fan.id}/discount`, { body: { discount: 25, period: 30 } })).body).toEqual({ success: true });
    const after = (await creator.get(`/api2/v2/users/${fan.id}`)).body.subscribedOnData;
    expect(after).toMatchObject({ discountPercent: 25, discountPeriod: 30, newPrice: Math.round(on.price * 0.75 * 100) / 100 });
    expect(Date.parse(after.discountFinishedAt) - Date.parse(after.discountStartedAt)).toBe(30 * 86_400_000);
    expect((await creator.send('PUT', `/api2/v2/subscriptions/${fan.id}/discount`, { body: { discount: 150, period: 30 } })).status).toBe(400);
    expect((await creator.send('PUT', '/api2/v2/subscriptions/1/discount', { body: { discount: 10, period: 30 } })).status).toBe(404);
  });

  it('a vault list is created, renamed, given media, listed back and deleted', async () => {
    const created = await creator.post('/api2/v2/vault/lists', { name: 'Sandbox set' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'Sandbox set', hasMedia: false, canUpdate: true, canDelete: true });
    const id = created.body.id;
    expect((await creator.send('PATCH', `/api2/v2/vault/lists/${id}`, { body: { name: 'Renamed set' } })).body.name).toBe('Renamed set');
    const media = (await creator.get('/api2/v2/vault/media?limit=2')).body.list.map((m: { id: number }) => m.id);
    expect((await creator.post(`/api2/v2/vault/lists/${id}/media`, { mediaIds: media })).body).toEqual({ success: true });
    expect((await creator.post(`/api2/v2/vault/lists/${id}/media`, { mediaIds: [1] })).status).toBe(404);
    const listed = (await creator.get('/api2/v2/vault/lists?view=main&limit=100')).body.list.find((l: { id: number }) => l.id === id);
    expect(listed).toMatchObject({ name: 'Renamed set', hasMedia: true });
    const inList = (await creator.get(`/api2/v2/vault/media?list=${id}&limit=10`)).body.list.map((m: { id: number }) => m.id);
    expect(inList.sort()).toEqual([...media].sort());
    expect((await creator.send('DELETE', `/api2/v2/vault/lists/${id}`)).body).toEqual({ success: true });
    expect((await creator.get('/api2/v2/vault/lists?view=main&limit=100')).body.list.some((l: { id: number }) => l.id === id)).toBe(false);
    expect((await creator.send('PATCH', `/api2/v2/vault/lists/${id}`, { body: { name: 'x' } })).status).toBe(404);
    expect((await creator.post('/api2/v2/vault/lists', { name: '' })).status).toBe(400);
  });
});
