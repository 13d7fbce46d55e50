import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/server.ts';
import { type SignedBrowser, testClock, startSandboxWithCreator } from './signed-browser.ts';

// Two years around the test clock: every seeded row falls inside.
const ALL = 'startDate=2025-01-01%2000:00:00&endDate=2027-01-01%2000:00:00';
const sum = <T>(rows: T[], value: (row: T) => number) => Math.round(rows.reduce((n, row) => n + value(row), 0) * 100) / 100;

describe('statistics computed from the seeded world', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;
  let creator: SignedBrowser;

  beforeAll(async () => {
    ({ sandbox, creator } = await startSandboxWithCreator(clock, 15, 'stats@creator.sandbox.com'));
  });
  afterAll(() => sandbox.close());

  it('the posts chart, top list and one post\'s numbers agree with the posts', async () => {
    const me = (await creator.get('/api2/v2/users/me')).body;
    const posts = (await creator.get(`/api2/v2/users/${me.id}/posts?limit=100`)).body.list;
    const chart = (await creator.get(`/api2/v2/posts/chart?${ALL}`)).body;
    expect(chart.posts.total).toBe(posts.length);
    expect(chart.likes.total).toBe(sum(posts, (p: { favoritesCount: number }) => p.favoritesCount));
    expect(chart.comments.total).toBe(sum(posts, (p: { commentsCount: number }) => p.commentsCount));
    expect(sum(chart.likes.chart, (d: { count: number }) => d.count)).toBe(chart.likes.total);
    expect(chart.likes.chart[0].date).toBe('2025-01-01T00:00:00+00:00');

    const top = (await creator.get(`/api2/v2/posts/top?${ALL}&by=likes&limit=3`)).body;
    expect(top.list[0].stats.likesCount).toBe(Math.max(...posts.map((p: { favoritesCount: number }) => p.favoritesCount)));
    expect(top.hasMore).toBe(true);
    const one = (await creator.get(`/api2/v2/posts/${posts[0].id}/stats`)).body;
    expect(one.stats).toMatchObject({ likesCount: posts[0].favoritesCount, commentsCount: posts[0].commentsCount });
    expect((await creator.get('/api2/v2/posts/1/stats')).status).toBe(404);
    expect((await creator.get(`/api2/v2/posts/top?${ALL}&by=nonsense`)).status).toBe(400);
  });

  it('the streams chart adds up the stream tips of the earnings', async () => {
    const transactions: Array<{ description: string; net: number; status: string }> = [];
    let marker = '';
    for (;;) {
      const page = (await creator.get(`/api2/v2/payouts/transactions?limit=100${marker}`)).body;
      transactions.push(...page.list);
      if (!page.hasMore) break;
      marker = `&marker=${page.nextMarker}`;
    }
    const streamTips = transactions.filter((t) => t.description.startsWith('Tip for stream') && t.status !== 'undo');
    const chart = (await creator.get(`/api2/v2/streams/chart?${ALL}`)).body;
    expect(chart.tips.total).toBe(sum(streamTips, (t) => t.net));
    expect(chart.tipsCount.total).toBe(streamTips.length);
    const top = (await creator.get(`/api2/v2/streams/top?${ALL}&limit=100`)).body.list;
    expect(top.length).toBe(chart.streams.total);
  });

  it('the stories chart agrees with the story items', async () => {
    const stories = (await creator.get('/api2/v2/stories/archive?limit=100')).body.list;
    const chart = (await creator.get(`/api2/v2/stories/chart?${ALL}`)).body;
    expect(chart.stories.total).toBe(stories.length);
    expect(chart.views.total).toBe(sum(stories, (s: { viewsCount: number }) => s.viewsCount));
    const top = (await creator.get(`/api2/v2/stories/top?${ALL}&limit=1`)).body.list[0];
    expect(top.viewsCount).toBe(Math.max(...stories.map((s: { viewsCount: number }) => s.viewsCount)));
  });

  it('offer charts count the claims the offers list', async () => {
    const trials = (await creator.get('/api2/v2/trials?limit=100')).body.list;
    expect((await creator.get(`/api2/v2/trials/chart?${ALL}`)).body.claims.total).toBe(sum(trials, (t: { claimCounts: number }) => t.claimCounts));
    const links = (await creator.get('/api2/v2/campaigns?limit=100')).body.list;
    const campaigns = (await creator.get(`/api2/v2/campaigns/chart?${ALL}`)).body;
    expect(campaigns.subscribers.total).toBe(sum(links, (l: { subscribersCount: number }) => l.subscribersCount));
    expect(campaigns.clicks.total).toBe(sum(links, (l: { clicksCount: number }) => l.clicksCount));
    const promotions = (await creator.get('/api2/v2/promotions?limit=100')).body.list;
    expect((await creator.get(`/api2/v2/promotions/chart?${ALL}`)).body.claims.total).toBe(sum(promotions, (p: { claimsCount: number }) => p.claimsCount));
    const topLinks = (await creator.get(`/api2/v2/campaigns/top?${ALL}&limit=100`)).body.list;
    expect(sum(topLinks, (l: { subscribersCount: number }) => l.subscribersCount)).toBe(campaigns.subscribers.total);
    expect((await creator.get(`/api2/v2/trials/top?${ALL}&limit=100`)).body.list).toHaveLength(trials.length);
  });

  it('visitor countries: the top list adds up to the chart, fans included', async () => {
    const chart = (await creator.get(`/api2/v2/users/me/stats/visitors/countries/chart?${ALL}`)).body;
    const top = (await creator.get(`/api2/v2/users/me/stats/visitors/countries/top?${ALL}&limit=100`)).body.list;
    expect(sum(top, (c: { visitorsCount: number }) => c.visitorsCount)).toBe(chart.total.total);
    const fans = (await creator.get('/api2/v2/subscriptions/count/all')).body.subscribers.all;
    expect(sum(top, (c: { subscribersCount: number }) => c.subscribersCount)).toBe(fans);
    expect(top[0].visitorsCount).toBe(chart[top[0].countryCode].total);
  });

  it('a range is required to be in order and dates in upstream\'s format', async () => {
    expect((await creator.get('/api2/v2/posts/chart?startDate=2026-02-01%2000:00:00&endDate=2026-01-01%2000:00:00')).status).toBe(400);
    expect((await creator.get('/api2/v2/posts/chart?startDate=yesterday')).status).toBe(400);
    const month = (await creator.get('/api2/v2/posts/chart')).body;
    expect(month.posts.chart.length).toBe(31);
  });
});
