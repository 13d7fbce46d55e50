// Statistics of the account's offers and audience, computed from its promotions, trial links, tracking links and
// fans: `/{promotions,trials,campaigns}/{chart,top}` and the visitors' countries. A claim happens when the
// claiming fan subscribed. /promotions/chart and /trials/chart are in docs/onlyfans-web-api.md §9; the /top paths,
// /campaigns/chart and /users/me/stats/visitors/countries/{chart,top} are the simulator's choice (not confirmed).
import type { FastifyInstance } from 'fastify';
import { isoTime, money } from '../data/formats.ts';
import type { PromotionBook, TrackingLink } from '../data/promotions.ts';
import { type StatEvent, chartOf } from '../data/statistics.ts';
import type { AccountData } from '../data/world.ts';
import { stableUnit } from '../random.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { type DateRange, dateRangeOf, isWithin } from './date-range.ts';
import { offsetPage, pageOf, queryOf, type Query } from './paging.ts';

const COUNTRIES: Array<[code: string, name: string]> = [
  ['US', 'United States'], ['GB', 'United Kingdom'], ['CA', 'Canada'], ['DE', 'Germany'], ['AU', 'Australia'],
  ['FR', 'France'], ['BR', 'Brazil'], ['NL', 'Netherlands'], ['ES', 'Spain'], ['IT', 'Italy'],
];

function claimTimes(data: AccountData, claimerIds: number[]): number[] {
  return claimerIds.map((id) => data.relationsById.get(id)?.subscribeAtMs).filter((ms): ms is number => ms !== undefined);
}

/** A link's clicks: one per claimer when they subscribed, the rest spread (stably) between its creation and now. */
function clickTimes(data: AccountData, link: TrackingLink, nowMs: number): number[] {
  const claims = claimTimes(data, link.claimerIds);
  const rest = Array.from({ length: Math.max(0, link.clicksCount - claims.length) }, (_, i) => link.createdAtMs + Math.floor(stableUnit(`click:${link.id}`, i) * (nowMs - link.createdAtMs)));
  return [...claims, ...rest];
}

function countryOf(salt: string | number): [string, string] {
  return COUNTRIES[Math.floor(stableUnit('country', salt) * COUNTRIES.length)];
}

function claimsIn(data: AccountData, claimerIds: number[], range: DateRange): number {
  return claimTimes(data, claimerIds).filter((ms) => isWithin(range, ms)).length;
}

function top<T, V>(query: Query, rows: T[], score: (row: T) => number, view: (row: T) => V) {
  const { limit, offset } = pageOf(query, 10);
  const page = offsetPage(rows.slice().sort((a, b) => score(b) - score(a)), limit, offset);
  return { list: page.list.map(view), hasMore: page.hasMore };
}

const ones = (times: number[]): StatEvent[] => times.map((atMs) => ({ atMs, value: 1 }));

/** What a claim of a promotion earned: the discounted first month, net. */
function promotionPrice(data: AccountData, discountPercent: number): number {
  return money(data.profile.subscribePrice * (1 - discountPercent / 100));
}

export function registerPromotionStatisticsRoutes(app: FastifyInstance, state: SandboxState): void {
  const read = (req: Parameters<typeof requireAccountData>[0]) => {
    const data = requireAccountData(req, state);
    return { data, book: data.promotions, query: queryOf(req), range: dateRangeOf(queryOf(req), state.now()) };
  };

  app.get('/api2/v2/promotions/chart', async (req) => {
    const { data, book, range } = read(req);
    const claims = book.promotions.flatMap((p) => claimTimes(data, p.claimerIds).map((atMs) => ({ atMs, earned: money(promotionPrice(data, p.discountPercent) * 0.8) })));
    return chartOf(range, { claims: ones(claims.map((c) => c.atMs)), earnings: claims.map((c) => ({ atMs: c.atMs, value: c.earned })) });
  });

  app.get('/api2/v2/promotions/top', async (req) => {
    const { data, book, query, range } = read(req);
    return top(query, book.promotions, (p) => claimsIn(data, p.claimerIds, range), (p) => {
      const claims = claimsIn(data, p.claimerIds, range);
      return { id: p.id, message: p.message, discount: p.discountPercent, createdAt: isoTime(p.createdAtMs), claimsCount: claims, earnings: money(claims * promotionPrice(data, p.discountPercent) * 0.8) };
    });
  });

  app.get('/api2/v2/trials/chart', async (req) => {
    const { data, book, range } = read(req);
    return chartOf(range, { claims: ones(book.trialLinks.flatMap((t) => claimTimes(data, t.claimerIds))) });
  });

  app.get('/api2/v2/trials/top', async (req) => {
    const { data, book, query, range } = read(req);
    return top(query, book.trialLinks, (t) => claimsIn(data, t.claimerIds, range), (t) => ({ id: t.id, trialLinkName: t.name, createdAt: isoTime(t.createdAtMs), claimsCount: claimsIn(data, t.claimerIds, range) }));
  });

  app.get('/api2/v2/campaigns/chart', async (req) => {
    const { data, book, range } = read(req);
    return chartOf(range, {
      subscribers: ones(book.trackingLinks.flatMap((l) => claimTimes(data, l.claimerIds))),
      clicks: ones(book.trackingLinks.flatMap((l) => clickTimes(data, l, state.now()))),
    });
  });

  app.get('/api2/v2/campaigns/top', async (req) => {
    const { data, book, query, range } = read(req);
    return top(query, book.trackingLinks, (l) => claimsIn(data, l.claimerIds, range), (l) => ({
      id: l.id,
      campaignName: l.name,
      createdAt: isoTime(l.createdAtMs),
      subscribersCount: claimsIn(data, l.claimerIds, range),
      clicksCount: clickTimes(data, l, state.now()).filter((ms) => isWithin(range, ms)).length,
    }));
  });

  // Visitors: every fan visited when subscribing; every tracking-link click is a visit. A country per visitor.
  const visits = (data: AccountData, book: PromotionBook) => [
    ...data.relations.filter((r) => r.role === 'subscriber').map((r) => ({ atMs: r.subscribeAtMs, country: countryOf(r.person.id), isSubscriber: true })),
    ...book.trackingLinks.flatMap((l) => clickTimes(data, l, state.now()).map((atMs, i) => ({ atMs, country: countryOf(`${l.id}:${i}`), isSubscriber: false }))),
  ];

  app.get('/api2/v2/users/me/stats/visitors/countries/chart', async (req) => {
    const { data, book, range } = read(req);
    const all = visits(data, book);
    const series: Record<string, StatEvent[]> = { total: ones(all.map((v) => v.atMs)) };
    for (const [code] of COUNTRIES) series[code] = ones(all.filter((v) => v.country[0] === code).map((v) => v.atMs));
    return chartOf(range, series);
  });

  app.get('/api2/v2/users/me/stats/visitors/countries/top', async (req) => {
    const { data, book, query, range } = read(req);
    const inRange = visits(data, book).filter((v) => isWithin(range, v.atMs));
    const rows = COUNTRIES.map(([code, name]) => {
      const mine = inRange.filter((v) => v.country[0] === code);
      return { countryCode: code, countryName: name, visitorsCount: mine.length, subscribersCount: mine.filter((v) => v.isSubscriber).length };
    }).filter((row) => row.visitorsCount > 0);
    return top(query, rows, (row) => row.visitorsCount, (row) => row);
  });
}
