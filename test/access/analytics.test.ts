import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { PostStatsReply, TopPostsReply, TopStoriesReply } from '../../src/access/endpoints/analytics.ts';
import { BuyersReply, MassMessagesChartReply, MassMessageStatsReply } from '../../src/access/endpoints/analytics-mass-messages.ts';
import {
  TopCampaign,
  TopPromotion,
  TopTrial,
  VisitorsChartReply,
  VisitorsTopReply,
} from '../../src/access/endpoints/analytics-offers.ts';
import { ChartsReply, TopPage } from '../../src/access/endpoints/analytics-range.ts';
import { Type } from 'typebox';
import { BACKENDS } from '../support/databases.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { access, importConnection, type ImportedConnection, upstreamRequests } from './access-fixture.ts';

/** Asserts a reply has the SDK's shape (the TypeBox schema the route publishes), naming the first mismatch. */
function expectShape(schema: TSchema, body: unknown): void {
  const first = [...Value.Errors(schema, body)][0];
  expect(first ? `${first.instancePath}: ${first.message}` : 'ok').toBe('ok');
}

const sum = <T>(rows: T[], value: (row: T) => number) => Math.round(rows.reduce((n, row) => n + value(row), 0) * 100) / 100;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface SdkPost {
  id: number;
  postedAt: string;
  favoritesCount: number;
  commentsCount?: number;
}

describe.each(BACKENDS)('access: analytics (%s)', (backend) => {
  let t: TestService;
  let conn: ImportedConnection;
  let posts: SdkPost[];
  /** From before the oldest post and fan to tomorrow: every seeded row falls inside. */
  let range: string;
  const get = (path: string) => access(t, conn.id, 'GET', path);

  beforeAll(async () => {
    t = await startTestService(backend);
    conn = await importConnection(t);
    posts = [];
    let marker = '';
    for (;;) {
      const page = await get(`/v2/access/posts?limit=10${marker}`);
      expect(page.status).toBe(200);
      posts.push(...page.body.list);
      if (!page.body.hasMore) break;
      marker = `&beforePublishTime=${page.body.tailMarker}`;
    }
    // Fans may have subscribed (visited) before the oldest post: three years back covers the seeded world.
    const oldest = Math.min(...posts.map((p) => Date.parse(p.postedAt)), Date.now() - 3 * 365 * 86_400_000);
    range = `startDate=${day(oldest)}&endDate=${day(Date.now() + 86_400_000)}`;
  });
  afterAll(async () => t?.close());

  it('the posts chart adds up the posts the account lists, and one post\'s numbers are its own', async () => {
    expect(posts.length).toBeGreaterThan(0);
    const chart = await get(`/v2/access/analytics/posts/chart?${range}`);
    expect(chart.status).toBe(200);
    expectShape(ChartsReply, chart.body);
    expect(chart.body.posts.total).toBe(posts.length);
    expect(chart.body.likes.total).toBe(sum(posts, (p) => p.favoritesCount));
    if (posts.every((p) => typeof p.commentsCount === 'number')) expect(chart.body.comments.total).toBe(sum(posts, (p) => p.commentsCount ?? 0));
    expect(sum(chart.body.likes.chart, (point: { count: number }) => point.count)).toBe(chart.body.likes.total);

    const likesOnly = await get(`/v2/access/analytics/posts/chart?${range}&by=likes`);
    expect(Object.keys(likesOnly.body)).toEqual(['likes']);

    const top = await get(`/v2/access/analytics/posts/top?${range}&by=likes&limit=1`);
    expect(top.status).toBe(200);
    expectShape(TopPostsReply, top.body);
    expect(top.body.items[0].stats.likeCount).toBe(Math.max(...posts.map((p) => p.favoritesCount)));
    expect(top.body.hasMore).toBe(posts.length > 1);

    const one = await get(`/v2/access/analytics/posts/${posts[0].id}`);
    expect(one.status).toBe(200);
    expectShape(PostStatsReply, one.body);
    expect(one.body.likeCount).toBe(posts[0].favoritesCount);
    expect((await get('/v2/access/analytics/posts/1')).status).toBe(404);
  });

  it('offer and visitor statistics agree with the offers and fans the account has', async () => {
    const trials = (await get('/v2/access/proxy/trials?limit=100')).body.list as Array<{ claimCounts: number }>;
    const trialsChart = await get(`/v2/access/analytics/trials/chart?${range}`);
    expect(trialsChart.body.claims.total).toBe(sum(trials, (trial) => trial.claimCounts));
    const trialsTop = await get(`/v2/access/analytics/trials/top?${range}&limit=100`);
    expect(trialsTop.body.items).toHaveLength(trials.length);
    expect(sum(trialsTop.body.items, (trial: { claimCounts: number }) => trial.claimCounts)).toBe(trialsChart.body.claims.total);

    const campaignsChart = await get(`/v2/access/analytics/campaigns/chart?${range}`);
    const campaignsTop = await get(`/v2/access/analytics/campaigns/top?${range}&limit=100`);
    expect(sum(campaignsTop.body.list, (c: { countSubscribers: number }) => c.countSubscribers)).toBe(campaignsChart.body.subscribers.total);

    const visitorsChart = await get(`/v2/access/analytics/visitor-countries/chart?${range}`);
    const visitorsTop = await get(`/v2/access/analytics/visitor-countries/top?${range}`);
    expect(visitorsTop.body.topCountries.totals.total).toBe(Number(visitorsChart.body.total.current));
    const fans = (await get('/v2/access/subscriptions/count')).body.subscribers.all;
    expect(visitorsTop.body.topCountries.totals.subscribers).toBe(fans);
    const rows = visitorsTop.body.topCountries.rows as Array<{ rank: number; viewsCount: { total: number; guests: number } }>;
    expect(rows.map((row) => row.rank)).toEqual(rows.map((_, i) => i + 1));
    const byGuests = (await get(`/v2/access/analytics/visitor-countries/top?${range}&by=guests`)).body.topCountries.rows as typeof rows;
    expect(byGuests.map((row) => row.viewsCount.guests)).toEqual(byGuests.map((row) => row.viewsCount.guests).sort((a, b) => b - a));
  });

  it('a paid mass message sent through the proxy shows up in sent, purchased, the chart and its buyers', async () => {
    const mediaId = (await get('/v2/access/vault/media?limit=1')).body.list[0].id;
    const queued = await access(t, conn.id, 'POST', '/v2/access/proxy/messages/queue', {
      body: { text: 'Analytics PPV', price: 9.99, mediaFiles: [mediaId], userLists: ['fans'], excludedLists: [], userIds: [] },
    });
    expect(queued.status).toBe(200);
    const id = queued.body.id as number;

    const sent = await get('/v2/access/analytics/mass-messages/sent?limit=5');
    expect(sent.status).toBe(200);
    expectShape(MassMessageStatsReply, sent.body);
    const row = sent.body.items.find((item: { id: number }) => item.id === id);
    expect(row).toMatchObject({ sentCount: queued.body.total, price: '9.99', isFree: false });
    expect(row.purchasedCount).toBeGreaterThan(0);

    const buyers = await get(`/v2/access/analytics/mass-messages/${id}/buyers?limit=100`);
    expect(buyers.status).toBe(200);
    expectShape(BuyersReply, buyers.body);
    expect(buyers.body.list).toHaveLength(row.purchasedCount);
    expect(buyers.body.nextMarker).toBeNull();
    const firstPage = await get(`/v2/access/analytics/mass-messages/${id}/buyers?limit=1`);
    if (row.purchasedCount > 1) {
      expect(firstPage.body.nextMarker).toBe(1);
      const second = await get(`/v2/access/analytics/mass-messages/${id}/buyers?limit=1&marker=1`);
      expect(second.body.list[0].id).toBe(buyers.body.list[1].id);
    }

    const purchased = await get('/v2/access/analytics/mass-messages/purchased?limit=100');
    expect(purchased.body.items.some((item: { id: number }) => item.id === id)).toBe(true);

    const today = day(Date.now());
    const chart = await get(`/v2/access/analytics/mass-messages/chart?startDate=${today}&endDate=${today}`);
    expect(chart.status).toBe(200);
    expectShape(MassMessagesChartReply, chart.body);
    expect(chart.body.group_messages.total).toBeGreaterThanOrEqual(1);
    expect(chart.body.group_messages_purchases.total).toBeGreaterThanOrEqual(row.purchasedCount);
  });

  it('an impossible date or a start after the end is a 400 naming the field, before any upstream call', async () => {
    const { lastSeq } = await upstreamRequests(t);
    const impossible = await get('/v2/access/analytics/posts/chart?startDate=2026-02-30');
    expect(impossible.status).toBe(400);
    expect(impossible.body.details.field).toBe('startDate');
    const garbled = await get('/v2/access/analytics/streams/top?endDate=yesterday');
    expect(garbled.status).toBe(400);
    expect(garbled.body.details.field).toBe('endDate');
    const reversed = await get('/v2/access/analytics/mass-messages/sent?startDate=2026-03-01&endDate=2026-02-01T00:00:00Z');
    expect(reversed.status).toBe(400);
    expect(reversed.body.details.field).toBe('startDate');
    expect((await upstreamRequests(t, lastSeq)).list.filter((r) => r.url.includes('/api2/v2/'))).toEqual([]);
    // The same day as start and end is a range (that day), not a reversed one.
    expect((await get('/v2/access/analytics/stories/chart?startDate=2026-03-01&endDate=2026-03-01')).status).toBe(200);
  });

  it('every analytics route answers 200 in its reply schema', async () => {
    const massMessageId = (await get('/v2/access/analytics/mass-messages/sent?limit=1')).body.items[0].id;
    const routes: Array<[string, TSchema]> = [
      ['posts/chart', ChartsReply],
      ['posts/top', TopPostsReply],
      [`posts/${posts[0].id}`, PostStatsReply],
      ['streams/chart', ChartsReply],
      ['streams/top', TopPostsReply],
      ['stories/chart', ChartsReply],
      ['stories/top', TopStoriesReply],
      ['promotions/chart', ChartsReply],
      ['promotions/top', TopPage(TopPromotion)],
      ['trials/chart', ChartsReply],
      ['trials/top', TopPage(TopTrial)],
      ['campaigns/chart', ChartsReply],
      ['campaigns/top', Type.Object({ hasMore: Type.Boolean(), list: Type.Array(TopCampaign) })],
      ['visitor-countries/chart', VisitorsChartReply],
      ['visitor-countries/top', VisitorsTopReply],
      ['mass-messages/chart', MassMessagesChartReply],
      ['mass-messages/sent', MassMessageStatsReply],
      ['mass-messages/purchased', MassMessageStatsReply],
      [`mass-messages/${massMessageId}/buyers`, BuyersReply],
    ];
    for (const [route, schema] of routes) {
      const separator = route.includes('/chart') || route.includes('/top') ? `?${range}` : '';
      const res = await get(`/v2/access/analytics/${route}${separator}`);
      expect(`${route} ${res.status}`).toBe(`${route} 200`);
      expectShape(schema, res.body);
    }
    const withItems = await get(`/v2/access/analytics/stories/top?${range}&limit=1`);
    expect(withItems.body.items[0].userId).toBe(Number(conn.session.userId));
  });

  it('a connection without analytics:read is refused', async () => {
    const readOnlyPosts = await importConnection(t, { permissions: ['posts:read'] });
    const res = await access(t, readOnlyPosts.id, 'GET', '/v2/access/analytics/posts/chart');
    expect(res.status).toBe(403);
    expect(res.body.details.requiredPermission).toBe('analytics:read');
  });
});
