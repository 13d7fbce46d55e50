// Statistics of the account's content, computed from its seeded posts, stories and earnings: charts
// (`/{posts,streams,stories}/chart`), top lists (`/{…}/top`) and one post's numbers. Paths other than
// /posts/chart, /posts/top, /streams/chart and /stories/chart (docs/onlyfans-web-api.md §9) are the simulator's
// choice: /streams/top, /stories/top, /posts/{id}/stats.
import type { FastifyInstance } from 'fastify';
import { htmlText, isoTime, money } from '../data/formats.ts';
import type { Post } from '../data/posts.ts';
import { type StatEvent, chartOf, one } from '../data/statistics.ts';
import type { AccountData } from '../data/world.ts';
import { badRequest, notFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { DAY_MS, type DateRange, dateRangeOf, isWithin } from './date-range.ts';
import { offsetPage, pageOf, queryOf, queryString, type Query } from './paging.ts';

/** Views and purchases are not generated per post; they follow from its likes, comments and price. */
export function postStats(post: Post) {
  const purchasesCount = post.price > 0 ? Math.floor(post.favoritesCount * 0.1) : 0;
  return {
    viewsCount: post.favoritesCount * 12 + post.commentsCount * 5,
    likesCount: post.favoritesCount,
    commentsCount: post.commentsCount,
    tipsAmount: post.tipsAmount,
    purchasesCount,
    purchasesAmount: money(purchasesCount * post.price),
  };
}

interface Stream {
  id: number;
  startedAtMs: number;
  tipsAmount: number;
  tipsCount: number;
}

/** A stream is a UTC day with stream tips: the earnings are the record of the account's streams. */
export function streamsOf(data: AccountData): Stream[] {
  const byDay = new Map<number, Stream>();
  for (const t of data.earnings.transactions) {
    if (t.category !== 'stream' || t.status === 'undo') continue;
    const day = Math.floor(t.createdAtMs / DAY_MS);
    const stream = byDay.get(day) ?? { id: day, startedAtMs: t.createdAtMs, tipsAmount: 0, tipsCount: 0 };
    stream.startedAtMs = Math.min(stream.startedAtMs, t.createdAtMs);
    stream.tipsAmount = money(stream.tipsAmount + t.net);
    stream.tipsCount++;
    byDay.set(day, stream);
  }
  return [...byDay.values()].sort((a, b) => b.startedAtMs - a.startedAtMs);
}

function byKey<T>(query: Query, keys: Record<string, (row: T) => number>, fallback: string): (row: T) => number {
  const by = queryString(query, 'by') ?? fallback;
  const key = keys[by];
  if (!key) throw badRequest(`by must be one of ${Object.keys(keys).join(', ')}`);
  return key;
}

function topPage<T, V>(query: Query, rows: T[], score: (row: T) => number, view: (row: T) => V) {
  const { limit, offset } = pageOf(query, 10);
  const page = offsetPage(rows.slice().sort((a, b) => score(b) - score(a)), limit, offset);
  return { list: page.list.map(view), hasMore: page.hasMore };
}

function postsIn(data: AccountData, range: DateRange): Post[] {
  return data.posts.posts.filter((p) => isWithin(range, p.postedAtMs));
}

function postRow(post: Post) {
  return { id: post.id, postedAt: isoTime(post.postedAtMs), text: htmlText(post.text), price: post.price, mediaCount: post.media.length, stats: postStats(post) };
}

export function registerContentStatisticsRoutes(app: FastifyInstance, state: SandboxState): void {
  const read = (req: Parameters<typeof requireAccountData>[0]) => ({ data: requireAccountData(req, state), query: queryOf(req), range: dateRangeOf(queryOf(req), state.now()) });
  const events = <T>(rows: T[], at: (row: T) => number, value: (row: T) => number): StatEvent[] => rows.map((row) => ({ atMs: at(row), value: value(row) }));

  app.get('/api2/v2/posts/chart', async (req) => {
    const { data, range } = read(req);
    const posts = data.posts.posts;
    const at = (p: Post) => p.postedAtMs;
    return chartOf(range, {
      posts: posts.map((p) => one(p.postedAtMs)),
      views: events(posts, at, (p) => postStats(p).viewsCount),
      likes: events(posts, at, (p) => p.favoritesCount),
      comments: events(posts, at, (p) => p.commentsCount),
      tips: events(posts, at, (p) => p.tipsAmount),
      purchases: events(posts, at, (p) => postStats(p).purchasesCount),
      earnings: events(data.earnings.transactions.filter((t) => t.category === 'post' && t.status !== 'undo'), (t) => t.createdAtMs, (t) => t.net),
    });
  });

  app.get('/api2/v2/posts/top', async (req) => {
    const { data, query, range } = read(req);
    const score = byKey<Post>(query, { views: (p) => postStats(p).viewsCount, likes: (p) => p.favoritesCount, comments: (p) => p.commentsCount, tips: (p) => p.tipsAmount, purchases: (p) => postStats(p).purchasesCount }, 'likes');
    return topPage(query, postsIn(data, range), score, postRow);
  });

  app.get<{ Params: { id: string } }>('/api2/v2/posts/:id/stats', async (req) => {
    const post = requireAccountData(req, state).posts.posts.find((p) => p.id === Number(req.params.id));
    if (!post) throw notFound('Post not found');
    return postRow(post);
  });

  app.get('/api2/v2/streams/chart', async (req) => {
    const { data, range } = read(req);
    const streams = streamsOf(data);
    return chartOf(range, {
      streams: streams.map((s) => one(s.startedAtMs)),
      tips: events(streams, (s) => s.startedAtMs, (s) => s.tipsAmount),
      tipsCount: events(streams, (s) => s.startedAtMs, (s) => s.tipsCount),
    });
  });

  app.get('/api2/v2/streams/top', async (req) => {
    const { data, query, range } = read(req);
    const score = byKey<Stream>(query, { tips: (s) => s.tipsAmount, tipsCount: (s) => s.tipsCount }, 'tips');
    const rows = streamsOf(data).filter((s) => isWithin(range, s.startedAtMs));
    return topPage(query, rows, score, (s) => ({ id: s.id, startedAt: isoTime(s.startedAtMs), tipsAmount: s.tipsAmount, tipsCount: s.tipsCount }));
  });

  app.get('/api2/v2/stories/chart', async (req) => {
    const { data, range } = read(req);
    const stories = data.stories;
    const at = (s: (typeof stories)[number]) => s.createdAtMs;
    return chartOf(range, {
      stories: stories.map((s) => one(s.createdAtMs)),
      views: events(stories, at, (s) => s.viewsCount),
      likes: events(stories, at, (s) => s.likesCount),
      tips: events(stories, at, (s) => s.tipsAmount),
    });
  });

  app.get('/api2/v2/stories/top', async (req) => {
    const { data, query, range } = read(req);
    type Row = (typeof data.stories)[number];
    const score = byKey<Row>(query, { views: (s) => s.viewsCount, likes: (s) => s.likesCount, tips: (s) => s.tipsAmount }, 'views');
    const rows = data.stories.filter((s) => isWithin(range, s.createdAtMs));
    return topPage(query, rows, score, (s) => ({ id: s.id, createdAt: isoTime(s.createdAtMs), mediaCount: s.media.length, viewsCount: s.viewsCount, likesCount: s.likesCount, tipsAmount: s.tipsAmount }));
  });
}
