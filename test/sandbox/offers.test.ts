import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/server.ts';
import { type SignedBrowser, testClock, startSandboxWithCreator } from './signed-browser.ts';

const ids = (body: { list: Array<{ id: number }> }) => body.list.map((row) => row.id);

describe('promotions, bundles, tracking links and trial links', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;
  let creator: SignedBrowser;
  let fanIds: number[];

  beforeAll(async () => {
    ({ sandbox, creator } = await startSandboxWithCreator(clock, 12, 'offers@creator.sandbox.com'));
    fanIds = ids((await creator.get('/api2/v2/subscriptions/subscribers?type=all&limit=100')).body);
  });
  afterAll(() => sandbox.close());

  it('a promotion is created, listed back, replaced, stopped and deleted', async () => {
    const before = (await creator.get('/api2/v2/promotions?limit=100')).body;
    expect(before.list.length).toBeGreaterThan(0);
    const created = await creator.post('/api2/v2/promotions', { message: 'Spring sale', discount: 30, subscribeDays: 30, subscribeCounts: 10, finishDays: 7, type: 'new' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ rawMessage: 'Spring sale', discount: 30, type: 'new', claimsCount: 0, canClaim: true, isFinished: false });
    const id = created.body.id;
    expect(ids((await creator.get('/api2/v2/promotions?limit=100')).body)).toContain(id);
    const replaced = await creator.send('PUT', `/api2/v2/promotions/${id}`, { body: { message: 'Summer sale', discount: 50, subscribeDays: 60, type: 'all' } });
    expect(replaced.body).toMatchObject({ id, rawMessage: 'Summer sale', discount: 50, subscribeDays: 60, type: 'all', finishedAt: null });
    expect((await creator.post(`/api2/v2/promotions/${id}/stop`)).body).toEqual({ success: true });
    clock.advance(1000);
    const stopped = (await creator.get('/api2/v2/promotions?limit=100')).body.list.find((p: { id: number }) => p.id === id);
    expect(stopped).toMatchObject({ isFinished: true, canClaim: false });
    expect((await creator.send('DELETE', `/api2/v2/promotions/${id}`)).body).toEqual({ success: true });
    expect(ids((await creator.get('/api2/v2/promotions?limit=100')).body)).not.toContain(id);
    expect((await creator.send('DELETE', `/api2/v2/promotions/${id}`)).status).toBe(404);
    expect((await creator.post('/api2/v2/promotions', { discount: 200 })).status).toBe(400);
  });

  it('the seeded promotions were claimed by the account\'s own fans', async () => {
    const promotions = (await creator.get('/api2/v2/promotions?limit=100')).body.list;
    const top = (await creator.get('/api2/v2/promotions/top?startDate=2020-01-01%2000:00:00&endDate=2030-01-01%2000:00:00&limit=100')).body.list;
    expect(promotions.some((p: { claimsCount: number }) => p.claimsCount > 0)).toBe(true);
    for (const promotion of promotions) expect(top.find((row: { id: number }) => row.id === promotion.id).claimsCount).toBe(promotion.claimsCount);
  });

  it('a bundle is created, read, listed back, replaced and deleted', async () => {
    for (const bundle of (await creator.get('/api2/v2/subscriptions/bundles')).body.list) await creator.send('DELETE', `/api2/v2/subscriptions/bundles/${bundle.id}`);
    const created = await creator.post('/api2/v2/subscriptions/bundles', { discount: 10, duration: 3 });
    expect(created.body).toMatchObject({ discount: 10, duration: 3, price: expect.any(Number) });
    const id = created.body.id;
    expect((await creator.get(`/api2/v2/subscriptions/bundles/${id}`)).body).toEqual(created.body);
    expect(ids((await creator.get('/api2/v2/subscriptions/bundles')).body)).toEqual([id]);
    expect((await creator.post('/api2/v2/subscriptions/bundles', { discount: 10, duration: 3 })).status).toBe(400);
    expect((await creator.send('PUT', `/api2/v2/subscriptions/bundles/${id}`, { body: { discount: 20, duration: 6 } })).body).toMatchObject({ id, discount: 20, duration: 6 });
    expect((await creator.send('DELETE', `/api2/v2/subscriptions/bundles/${id}`)).body).toEqual({ success: true });
    expect((await creator.get(`/api2/v2/subscriptions/bundles/${id}`)).status).toBe(404);
    expect((await creator.post('/api2/v2/subscriptions/bundles', { discount: 10, duration: 5 })).status).toBe(400);
  });

  it('a tracking link is created, read, listed, renamed, shared, unshared and deleted; claimers are fans', async () => {
    const seeded = (await creator.get('/api2/v2/campaigns?limit=100')).body.list;
    const withClaims = seeded.find((l: { subscribersCount: number }) => l.subscribersCount > 0);
    expect(withClaims).toBeDefined();
    const claimers = (await creator.get(`/api2/v2/campaigns/${withClaims.id}/claimers?limit=100`)).body;
    expect(claimers.list).toHaveLength(withClaims.subscribersCount);
    for (const id of ids(claimers)) expect(fanIds).toContain(id);

    const created = await creator.post('/api2/v2/campaigns', { campaignName: 'Bio link' });
    expect(created.body).toMatchObject({ campaignName: 'Bio link', subscribersCount: 0, clicksCount: 0, campaignUrl: expect.stringContaining('/c') });
    const id = created.body.id;
    expect((await creator.get(`/api2/v2/campaigns/${id}`)).body).toEqual(created.body);
    expect(ids((await creator.get('/api2/v2/campaigns?limit=100')).body)).toContain(id);
    expect((await creator.send('PUT', `/api2/v2/campaigns/${id}`, { body: { campaignName: 'Renamed' } })).body.campaignName).toBe('Renamed');
    expect((await creator.post('/api2/v2/campaigns/share-access', { campaignId: id, userId: fanIds[0] })).body).toEqual({ success: true });
    expect((await creator.get(`/api2/v2/campaigns/${id}`)).body.sharedWithUserIds).toEqual([fanIds[0]]);
    expect((await creator.send('DELETE', '/api2/v2/campaigns/share-access', { body: { campaignId: id, userId: fanIds[0] } })).body).toEqual({ success: true });
    expect((await creator.get(`/api2/v2/campaigns/${id}`)).body.sharedWithUserIds).toEqual([]);
    expect((await creator.post('/api2/v2/campaigns/share-access', { campaignId: id, userId: 1 })).status).toBe(404);
    expect((await creator.send('DELETE', `/api2/v2/campaigns/${id}`)).body).toEqual({ success: true });
    expect((await creator.get(`/api2/v2/campaigns/${id}`)).status).toBe(404);
  });

  it('a trial link is created, read, listed, replaced, shared and deleted', async () => {
    const created = await creator.post('/api2/v2/trials', { trialLinkName: 'Free week', subscribeDays: 7, subscribeCounts: 20, expiredAt: '2026-12-31 00:00:00' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ trialLinkName: 'Free week', subscribeDays: 7, subscribeCounts: 20, claimCounts: 0, expiredAt: '2026-12-31T00:00:00+00:00', isFinished: false });
    const id = created.body.id;
    expect((await creator.get(`/api2/v2/trials/${id}`)).body).toEqual(created.body);
    expect(ids((await creator.get('/api2/v2/trials?limit=100')).body)).toContain(id);
    const replaced = await creator.send('PUT', `/api2/v2/trials/${id}`, { body: { trialLinkName: 'Two weeks', subscribeDays: 14 } });
    expect(replaced.body).toMatchObject({ id, trialLinkName: 'Two weeks', subscribeDays: 14, subscribeCounts: 0, expiredAt: null });
    expect((await creator.post('/api2/v2/trials/share-access', { trialId: id, userIds: fanIds.slice(0, 2) })).body).toEqual({ success: true });
    expect((await creator.get(`/api2/v2/trials/${id}`)).body.sharedWithUserIds).toEqual(fanIds.slice(0, 2));
    expect((await creator.send('DELETE', '/api2/v2/trials/share-access', { body: { trialId: id, userIds: fanIds.slice(0, 1) } })).body).toEqual({ success: true });
    expect((await creator.get(`/api2/v2/trials/${id}`)).body.sharedWithUserIds).toEqual(fanIds.slice(1, 2));
    expect((await creator.send('DELETE', `/api2/v2/trials/${id}`)).body).toEqual({ success: true });
    expect(ids((await creator.get('/api2/v2/trials?limit=100')).body)).not.toContain(id);
    expect((await creator.post('/api2/v2/trials', { trialLinkName: 'x', subscribeDays: 0 })).status).toBe(400);
  });
});
