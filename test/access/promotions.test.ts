// Promotions, bundles, tracking links and trial links as managed endpoints, against the simulator on both databases:
// a lifecycle per resource read back through the API, claimers drawn from the account's fans, sharing a link's
// statistics, bad bodies answered 400 naming the field, and writes refused to a read-only connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { MANAGED_ENDPOINTS } from '../../src/access/catalogue.ts';
import { ClaimersPage, TrackingLink, TrackingLinksPage, TrialLink, TrialLinksPage } from '../../src/access/endpoints/promotion-links.ts';
import { Bundle, BundlesPage, Promotion, PromotionsPage, SuccessReply } from '../../src/access/endpoints/promotions.ts';
import { BACKENDS } from '../support/databases.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { access, importConnection, type ImportedConnection } from './access-fixture.ts';

function expectShape(schema: TSchema, body: unknown): void {
  const first = [...Value.Errors(schema, body)][0];
  expect(first ? `${first.instancePath}: ${first.message}` : 'ok').toBe('ok');
}

const ids = (page: { list: Array<{ id: number }> }) => page.list.map((row) => row.id);
const DAY_MS = 86_400_000;

/**
 * promotion-links.ts is served once the catalogue lists it (the lead adds that line with the other issue-14
 * families); until then its tests wait, and they run as soon as the routes exist. Remove this guard then.
 */
const areLinksServed = MANAGED_ENDPOINTS.some((endpoint) => endpoint.url.startsWith('/v2/access/promotions/tracking-links'));

describe.each(BACKENDS)('access: promotions, bundles, tracking and trial links (%s)', (backend) => {
  let t: TestService;
  let conn: ImportedConnection;
  let fanIds: number[];
  const api = (method: string, path: string, body?: unknown) => access(t, conn.id, method, path, body === undefined ? {} : { body });

  beforeAll(async () => {
    t = await startTestService(backend);
    conn = await importConnection(t);
    fanIds = [];
    for (let offset = 0, hasMore = true; hasMore; offset += 100) {
      const page = (await api('GET', `/v2/access/proxy/subscriptions/subscribers?type=all&limit=100&offset=${offset}`)).body;
      fanIds.push(...ids(page));
      hasMore = page.hasMore === true;
    }
  });
  afterAll(async () => t?.close());

  it('a promotion is created, listed back, replaced, stopped and deleted', async () => {
    const created = await api('POST', '/v2/access/promotions', { discount: 30, message: 'Spring sale', subscribeDays: 30, subscribeCounts: 10, finishDays: 7, type: ['new'] });
    expect(created.status).toBe(200);
    expectShape(PromotionsPage, created.body);
    expect(created.body.list).toHaveLength(1);
    const promotion = created.body.list[0];
    expect(promotion).toMatchObject({ rawMessage: 'Spring sale', type: 'new', subscribeCounts: 10, subscribeDays: 30, claimsCount: 0, canClaim: true, isFinished: false });
    expect(promotion.finishedAt).toEqual(expect.any(String));
    const id: number = promotion.id;

    const listed = await api('GET', '/v2/access/promotions?limit=100');
    expect(listed.status).toBe(200);
    expectShape(PromotionsPage, listed.body);
    expect(ids(listed.body)).toContain(id);

    // A single audience as a plain string is accepted; finishDays left out: runs until stopped.
    const replaced = await api('PUT', `/v2/access/promotions/${id}`, { discount: 50, message: 'Summer sale', subscribeDays: 60, type: 'all' });
    expect(replaced.status).toBe(200);
    expectShape(Promotion, replaced.body);
    expect(replaced.body).toMatchObject({ id, rawMessage: 'Summer sale', subscribeDays: 60, type: 'all', finishedAt: null, isFinished: false });
    const readBack = (await api('GET', '/v2/access/promotions?limit=100')).body.list.find((p: { id: number }) => p.id === id);
    expect(readBack).toMatchObject({ rawMessage: 'Summer sale', subscribeDays: 60, type: 'all' });

    const stopped = await api('POST', `/v2/access/promotions/${id}/stop`);
    expect(stopped.status).toBe(200);
    expectShape(SuccessReply, stopped.body);
    expect(stopped.body.success).toBe(true);
    const afterStop = (await api('GET', '/v2/access/promotions?limit=100')).body.list.find((p: { id: number }) => p.id === id);
    expect(afterStop).toMatchObject({ isFinished: true, canClaim: false });

    const deleted = await api('DELETE', `/v2/access/promotions/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.success).toBe(true);
    expect(ids((await api('GET', '/v2/access/promotions?limit=100')).body)).not.toContain(id);
    expect((await api('DELETE', `/v2/access/promotions/${id}`)).status).toBe(404);
  });

  it('PUT and DELETE of /promotions/bundles are not read as a promotion id: 400 naming promotionId', async () => {
    for (const method of ['PUT', 'DELETE']) {
      const res = await api(method, '/v2/access/promotions/bundles', method === 'PUT' ? { discount: 10 } : undefined);
      expect(res.status).toBe(400);
      expect(res.body.details.field).toBe('promotionId');
    }
  });

  it('a bundle is created, read, listed, replaced field by field and deleted (the delete answers the bundle)', async () => {
    for (const seeded of (await api('GET', '/v2/access/promotions/bundles')).body.list) {
      const removed = await api('DELETE', `/v2/access/promotions/bundles/${seeded.id}`);
      expect(removed.status).toBe(200);
      expectShape(Bundle, removed.body);
      expect(removed.body.id).toBe(seeded.id);
    }

    const created = await api('POST', '/v2/access/promotions/bundles', { discount: 10, duration: 3 });
    expect(created.status).toBe(200);
    expectShape(Bundle, created.body);
    expect(created.body).toMatchObject({ discount: 10, duration: 3, price: expect.any(Number) });
    const id: number = created.body.id;

    expect((await api('GET', `/v2/access/promotions/bundles/${id}`)).body).toEqual(created.body);
    const listed = await api('GET', '/v2/access/promotions/bundles');
    expectShape(BundlesPage, listed.body);
    expect(ids(listed.body)).toEqual([id]);
    const duplicate = await api('POST', '/v2/access/promotions/bundles', { discount: 15, duration: 3 });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.message).toContain('3-month');

    expect((await api('PUT', `/v2/access/promotions/bundles/${id}`, { discount: 20 })).body).toMatchObject({ id, discount: 20, duration: 3 });
    expect((await api('PUT', `/v2/access/promotions/bundles/${id}`, { duration: 6 })).body).toMatchObject({ id, discount: 20, duration: 6 });
    expect((await api('GET', `/v2/access/promotions/bundles/${id}`)).body).toMatchObject({ discount: 20, duration: 6 });

    const deleted = await api('DELETE', `/v2/access/promotions/bundles/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id, discount: 20, duration: 6 });
    expect((await api('GET', `/v2/access/promotions/bundles/${id}`)).status).toBe(404);
    expect((await api('GET', '/v2/access/promotions/bundles')).body.list).toEqual([]);
  });

  it('bad bodies are 400s naming the field, and nothing is created', async () => {
    const before = (await api('GET', '/v2/access/promotions?limit=100')).body.list.length;
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/v2/access/promotions', { discount: 200 }, 'discount'],
      ['POST', '/v2/access/promotions', { discount: 4 }, 'discount'],
      ['POST', '/v2/access/promotions', { message: 'no discount' }, 'discount'],
      ['POST', '/v2/access/promotions', { discount: 30, subscribeDays: 0 }, 'subscribeDays'],
      ['POST', '/v2/access/promotions', { discount: 30, finishDays: 400 }, 'finishDays'],
      ['POST', '/v2/access/promotions', { discount: 30, type: ['friends'] }, 'type.0'],
      ['POST', '/v2/access/promotions', { discount: 30, price: 3 }, 'price'],
      ['POST', '/v2/access/promotions/bundles', { discount: 10, duration: 5 }, 'duration'],
      ['POST', '/v2/access/promotions/bundles', { discount: 60, duration: 3 }, 'discount'],
      ['PUT', '/v2/access/promotions/bundles/1', { discount: -1 }, 'discount'],
    ];
    if (areLinksServed) {
      cases.push(
        ['POST', '/v2/access/promotions/tracking-links', { name: '' }, 'name'],
        ['POST', '/v2/access/promotions/tracking-links', { name: 'x'.repeat(65) }, 'name'],
        ['POST', '/v2/access/promotions/trial-links', { trialLinkName: 'Trial', subscribeDays: 31 }, 'subscribeDays'],
        ['POST', '/v2/access/promotions/trial-links', { trialLinkName: 'Trial', subscribeDays: 7, expiredAt: 'next week' }, 'expiredAt'],
        ['POST', '/v2/access/promotions/tracking-links/share-access', { campaignId: 1 }, 'userId'],
        ['DELETE', '/v2/access/promotions/tracking-links/share-access', { campaignId: 'abc', userId: 1 }, 'campaignId'],
        ['DELETE', '/v2/access/promotions/trial-links/share-access', { trialId: 1 }, 'userId'],
      );
    }
    for (const [method, path, body, field] of cases) {
      const res = await api(method, path, body);
      expect({ method, path, body, status: res.status, field: res.body.details?.field }).toEqual({ method, path, body, status: 400, field });
      expect(res.body.message).toContain(field.split('.')[0]);
    }
    expect((await api('GET', '/v2/access/promotions?limit=100')).body.list.length).toBe(before);
  });

  it('a connection granted only promotions:read lists but every write is a 403', async () => {
    const reader = await importConnection(t, { permissions: ['promotions:read'] });
    const asReader = (method: string, path: string, body?: unknown) => access(t, reader.id, method, path, body === undefined ? {} : { body });
    expect((await asReader('GET', '/v2/access/promotions')).status).toBe(200);
    expect((await asReader('GET', '/v2/access/promotions/bundles')).status).toBe(200);
    const before = (await asReader('GET', '/v2/access/promotions?limit=100')).body.list.length;
    const writes: Array<[string, string, unknown]> = [
      ['POST', '/v2/access/promotions', { discount: 30 }],
      ['POST', '/v2/access/promotions/1/stop', undefined],
      ['POST', '/v2/access/promotions/bundles', { discount: 10, duration: 12 }],
    ];
    if (areLinksServed) {
      writes.push(['POST', '/v2/access/promotions/trial-links', { trialLinkName: 'Nope', subscribeDays: 3 }], ['DELETE', '/v2/access/promotions/tracking-links/share-access', { campaignId: 1, userId: 1 }]);
    }
    for (const [method, path, body] of writes) {
      const res = await asReader(method, path, body);
      expect({ path, status: res.status, type: res.body.type, needs: res.body.details?.requiredPermission }).toEqual({ path, status: 403, type: 'FORBIDDEN', needs: 'promotions:write' });
    }
    expect((await asReader('GET', '/v2/access/promotions?limit=100')).body.list.length).toBe(before);
  });

  describe.runIf(areLinksServed)('links', () => {
    it('a tracking link is created, read, listed, renamed, shared, unshared and deleted', async () => {
      const created = await api('POST', '/v2/access/promotions/tracking-links', { name: 'Bio link' });
      expect(created.status).toBe(200);
      expectShape(TrackingLink, created.body);
      expect(created.body).toMatchObject({ name: 'Bio link', subscribersCount: 0, clicksCount: 0, sharedWithUserIds: [] });
      const id: number = created.body.id;

      expect((await api('GET', `/v2/access/promotions/tracking-links/${id}`)).body).toEqual(created.body);
      const listed = await api('GET', '/v2/access/promotions/tracking-links?limit=100&stats=true');
      expect(listed.status).toBe(200);
      expectShape(TrackingLinksPage, listed.body);
      expect(ids(listed.body)).toContain(id);

      const renamed = await api('PUT', `/v2/access/promotions/tracking-links/${id}`, { name: 'Renamed' });
      expect(renamed.status).toBe(200);
      expect(renamed.body.name).toBe('Renamed');
      expect((await api('PUT', `/v2/access/promotions/tracking-links/${id}`, {})).body.name).toBe('Renamed');
      expect((await api('GET', `/v2/access/promotions/tracking-links/${id}`)).body.name).toBe('Renamed');

      const fan = fanIds[0];
      const shared = await api('POST', '/v2/access/promotions/tracking-links/share-access', { campaignId: id, userId: fan });
      expect(shared.status).toBe(200);
      expect(shared.body.success).toBe(true);
      expect((await api('GET', `/v2/access/promotions/tracking-links/${id}`)).body.sharedWithUserIds).toEqual([fan]);
      const unshared = await api('DELETE', '/v2/access/promotions/tracking-links/share-access', { campaignId: id, userId: fan });
      expect(unshared.status).toBe(200);
      expect((await api('GET', `/v2/access/promotions/tracking-links/${id}`)).body.sharedWithUserIds).toEqual([]);
      expect((await api('POST', '/v2/access/promotions/tracking-links/share-access', { campaignId: id, userId: 1 })).status).toBe(404);

      const claimers = await api('GET', `/v2/access/promotions/tracking-links/${id}/claimers`);
      expect(claimers.body).toEqual({ list: [], hasMore: false });

      expect((await api('DELETE', `/v2/access/promotions/tracking-links/${id}`)).body.success).toBe(true);
      expect((await api('GET', `/v2/access/promotions/tracking-links/${id}`)).status).toBe(404);
      expect(ids((await api('GET', '/v2/access/promotions/tracking-links?limit=100')).body)).not.toContain(id);
    });

    it("the claimers of the account's tracking links are its own fans, as many as each link counts", async () => {
      const links = (await api('GET', '/v2/access/promotions/tracking-links?limit=100')).body.list as Array<{ id: number; subscribersCount: number }>;
      const claimed = links.filter((link) => link.subscribersCount > 0);
      expect(claimed.length).toBeGreaterThan(0);
      for (const link of claimed) {
        const claimers = await api('GET', `/v2/access/promotions/tracking-links/${link.id}/claimers?limit=100`);
        expect(claimers.status).toBe(200);
        expectShape(ClaimersPage, claimers.body);
        expect(claimers.body.list).toHaveLength(link.subscribersCount);
        for (const id of ids(claimers.body)) expect(fanIds).toContain(id);
      }
    });

    it('a trial link is created, read, listed, replaced field by field, shared and deleted', async () => {
      const expiresAt = new Date(Date.now() + 30 * DAY_MS);
      expiresAt.setUTCMilliseconds(0);
      const created = await api('POST', '/v2/access/promotions/trial-links', { trialLinkName: 'Free week', subscribeDays: 7, subscribeCounts: 20, expiredAt: expiresAt.toISOString() });
      expect(created.status).toBe(200);
      expectShape(TrialLink, created.body);
      expect(created.body).toMatchObject({ trialLinkName: 'Free week', subscribeDays: 7, subscribeCounts: 20, claimCounts: 0, clicksCounts: 0, isFinished: false });
      expect(Date.parse(created.body.expiredAt)).toBe(expiresAt.getTime());
      const id: number = created.body.id;
      const path = `/v2/access/promotions/trial-links/${id}`;

      expect((await api('GET', path)).body).toEqual(created.body);
      const listed = await api('GET', '/v2/access/promotions/trial-links?limit=100');
      expectShape(TrialLinksPage, listed.body);
      expect(ids(listed.body)).toContain(id);

      const replaced = await api('PUT', path, { subscribeDays: 14 });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toEqual({ success: true });
      const afterReplace = (await api('GET', path)).body;
      expect(afterReplace).toMatchObject({ trialLinkName: 'Free week', subscribeDays: 14, subscribeCounts: 20 });
      expect(Date.parse(afterReplace.expiredAt)).toBe(expiresAt.getTime());
      await api('PUT', path, { trialLinkName: 'Two weeks', expiredAt: null });
      expect((await api('GET', path)).body).toMatchObject({ trialLinkName: 'Two weeks', subscribeDays: 14, expiredAt: null });

      const fans = fanIds.slice(0, 2);
      for (const fan of fans) expect((await api('POST', '/v2/access/promotions/trial-links/share-access', { trialId: id, userId: fan })).body).toEqual({ success: true });
      expect((await api('GET', path)).body.sharedWithUserIds).toEqual(fans);
      expect((await api('DELETE', '/v2/access/promotions/trial-links/share-access', { trialId: id, userId: fans[0] })).body).toEqual({ success: true });
      expect((await api('GET', path)).body.sharedWithUserIds).toEqual(fans.slice(1));

      expect((await api('DELETE', path)).body).toEqual({ success: true });
      expect((await api('GET', path)).status).toBe(404);
      expect(ids((await api('GET', '/v2/access/promotions/trial-links?limit=100')).body)).not.toContain(id);
    });
  });
});
