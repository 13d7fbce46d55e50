// Access: analytics — statistics of the account's content (posts, streams, stories) here; of offers and visitors in
// analytics-offers.ts, of mass messages in analytics-mass-messages.ts; what they share in analytics-range.ts. Upstream paths:
// docs/onlyfans-web-api.md §9, "Paths the simulator serves for the remaining Access families". Reply shapes follow
// the SDK (docs/ofauth-wire-contract.md §1: `src/client.ts`, AccessAnalytics*), filled from what upstream sends.
import { Type, type Static } from 'typebox';
import { defineEndpoint } from './define-endpoint.ts';
import { massMessageEndpoints } from './analytics-mass-messages.ts';
import { offerEndpoints } from './analytics-offers.ts';
import { ChartPoint, ChartsReply, chartCall, RangeFields, TopFields, TopPage, shapeCharts, shapeTopPage, upstreamTopQuery } from './analytics-range.ts';
import { defineFamily } from './family.ts';
import { Media, ReleaseFormRef, shapeMedia } from './shared/media-shapes.ts';
import { Post, shapePost } from './shared/post-shapes.ts';
import { Bool, literalUnion, Num, Opt, Str } from './shared/schema-fields.ts';
import { Thumbs } from './shared/user-shapes.ts';
import { asArray, asObject, bool, num, overUpstream, passedOnArray, str } from './shared/upstream-readers.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

const Points = Type.Array(ChartPoint);
const postStatsFields = {
  isAvailable: Bool,
  hasStats: Bool,
  hasVideo: Opt(Bool),
  lookCount: Num,
  uniqueLookCount: Num,
  uniqueLookChart: Points,
  lookChart: Points,
  lookDuration: Num,
  lookDurationAverage: Num,
  likeCount: Num,
  likeChart: Points,
  commentCount: Num,
  commentChart: Points,
  tipCount: Num,
  tipChart: Points,
  tipSum: Num,
  purchasedCount: Num,
  purchasedSumm: Num,
};
export const PostStats = Type.Object(postStatsFields);
export const PostStatsReply = Type.Object({ ...postStatsFields, tipSumChart: Points, purchasesChart: Points });
export const TopPost = Type.Object({ ...Post.properties, stats: Opt(PostStats) });

const StoryViewer = Type.Object({
  id: Num, name: Str, username: Str, avatar: Str, avatarThumbs: Thumbs, isVerified: Bool, canLookStory: Bool, canCommentStory: Bool,
  hasNotViewedStory: Bool, isStoryLiked: Bool, isStoryBlockedUser: Bool,
});
const StoryText = Type.Object({ text: Str, position: Type.Object({ x: Num, y: Num, width: Num, height: Num, angle: Num }) });
export const TopStory = Type.Object({
  id: Num,
  userId: Num,
  isReady: Bool,
  hasPost: Bool,
  isWatched: Bool,
  media: Type.Array(Media),
  createdAt: Str,
  canvasHeight: Num,
  canvasWidth: Num,
  viewersCount: Num,
  viewers: Type.Array(StoryViewer),
  commentsCount: Num,
  canDelete: Bool,
  isHighlightCover: Bool,
  isLastInHighlight: Bool,
  tipsAmount: Str,
  tipsAmountRaw: Num,
  tipsCount: Num,
  likesCount: Num,
  releaseForms: Type.Array(ReleaseFormRef),
  texts: Type.Array(StoryText),
});

export const TopPostsReply = TopPage(TopPost);
export const TopStoriesReply = TopPage(TopStory);

// The SDK's `by` for each chart and top list (a chart answers only the series `by` names, every series without it).
export const PostsChartQuery = Type.Object({ ...RangeFields, withTotal: Opt(Bool), by: Opt(literalUnion(['purchases', 'posts', 'tips', 'views', 'likes', 'comments'])) });
export const PostsTopQuery = Type.Object({ ...TopFields, by: Opt(literalUnion(['purchases', 'tips', 'views', 'likes', 'comments'])) });
const STREAM_BY = ['purchases', 'duration', 'tips', 'views', 'likes', 'comments'] as const;
export const StreamsChartQuery = Type.Object({ ...RangeFields, withTotal: Opt(Bool), by: Opt(literalUnion(STREAM_BY)) });
export const StreamsTopQuery = Type.Object({ ...TopFields, by: Opt(literalUnion(STREAM_BY)) });
export const StoriesChartQuery = Type.Object({ ...RangeFields, withTotal: Opt(Bool), by: Opt(literalUnion(['tips', 'stories', 'views', 'likes', 'comments'])) });
export const StoriesTopQuery = Type.Object({ ...TopFields, by: Opt(literalUnion(['tips', 'views', 'likes', 'comments'])) });
export const PostIdParams = Type.Object({ postId: Type.String({ pattern: '^[0-9]+$' }) });

// ---- shapes -------------------------------------------------------------------------------------------------

/** Upstream's per-post numbers (views, likes, comments, tips, purchases) as the SDK's stats block. */
export function shapePostStats(value: unknown): Static<typeof PostStats> {
  const stats = asObject(value);
  const lookCount = num(stats.viewsCount ?? stats.lookCount);
  return {
    isAvailable: bool(stats.isAvailable, true),
    hasStats: bool(stats.hasStats, true),
    lookCount,
    uniqueLookCount: num(stats.uniqueLookCount, lookCount),
    uniqueLookChart: [],
    lookChart: [],
    lookDuration: num(stats.lookDuration),
    lookDurationAverage: num(stats.lookDurationAverage),
    likeCount: num(stats.likesCount ?? stats.likeCount),
    likeChart: [],
    commentCount: num(stats.commentsCount ?? stats.commentCount),
    commentChart: [],
    tipCount: num(stats.tipsCount ?? stats.tipCount),
    tipChart: [],
    tipSum: num(stats.tipsAmount ?? stats.tipSum),
    purchasedCount: num(stats.purchasesCount ?? stats.purchasedCount),
    purchasedSumm: num(stats.purchasesAmount ?? stats.purchasedSumm),
  };
}

/** A top post: the post as upstream lists it (the simulator's rows are sparse: shapePost fills the SDK's fields). */
function shapeTopPost(value: unknown): Static<typeof TopPost> {
  const row = asObject(value);
  const stats = shapePostStats(row.stats);
  return { ...shapePost({ ...row, favoritesCount: row.favoritesCount ?? stats.likeCount }), stats };
}

/** A stream is a post in OnlyFans' model: the top streams are posts, their tips as the stats. */
function shapeTopStream(value: unknown): Static<typeof TopPost> {
  const row = asObject(value);
  const postedAt = str(row.postedAt ?? row.startedAt);
  const post = shapePost({ ...row, postedAt, postedAtPrecise: row.postedAtPrecise ?? String(Date.parse(postedAt) / 1000), responseType: row.responseType ?? 'stream' });
  return { ...post, stats: shapePostStats({ tipsAmount: row.tipsAmount, tipsCount: row.tipsCount, ...asObject(row.stats) }) };
}

function shapeTopStory(value: unknown, userId: number): Static<typeof TopStory> {
  const story = asObject(value);
  const tipsAmountRaw = num(story.tipsAmountRaw ?? story.tipsAmount);
  return overUpstream(story, {
    id: num(story.id),
    userId: num(story.userId, userId),
    isReady: bool(story.isReady, true),
    hasPost: bool(story.hasPost),
    isWatched: bool(story.isWatched),
    media: asArray(story.media).map(shapeMedia),
    createdAt: str(story.createdAt),
    canvasHeight: num(story.canvasHeight),
    canvasWidth: num(story.canvasWidth),
    viewersCount: num(story.viewersCount ?? story.viewsCount),
    viewers: passedOnArray<Static<typeof StoryViewer>>(story.viewers),
    commentsCount: num(story.commentsCount),
    canDelete: bool(story.canDelete, true),
    isHighlightCover: bool(story.isHighlightCover),
    isLastInHighlight: bool(story.isLastInHighlight),
    tipsAmount: str(story.tipsAmount, '0'),
    tipsAmountRaw,
    tipsCount: num(story.tipsCount),
    likesCount: num(story.likesCount),
    releaseForms: passedOnArray<Static<typeof ReleaseFormRef>>(story.releaseForms),
    texts: passedOnArray<Static<typeof StoryText>>(story.texts),
  });
}

/** GET /posts/{id}/stats → the SDK's post statistics (the per-day charts are not served upstream: empty). */
function shapePostStatsReply(body: unknown): Static<typeof PostStatsReply> {
  return { ...shapePostStats(asObject(body).stats ?? body), tipSumChart: [], purchasesChart: [] };
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: analytics';
const permission = 'analytics:read';

const contentEndpoints = [
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/posts/chart', tag, summary: 'Posts over time: posts, views, likes, comments, tips, purchases', permission,
    querystring: PostsChartQuery, reply: ChartsReply,
    upstream: ({ query }) => chartCall('/posts/chart', query),
    shape: (body, { query }) => shapeCharts(body, query.by),
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/posts/top', tag, summary: 'Top posts of a date range, by one measure', permission,
    querystring: PostsTopQuery, reply: TopPostsReply,
    upstream: ({ query }) => ({ method: 'GET', path: '/posts/top', query: upstreamTopQuery(query) }),
    shape: (body) => shapeTopPage(body, shapeTopPost),
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/posts/:postId', tag, summary: 'Statistics of one post', permission,
    params: PostIdParams, reply: PostStatsReply,
    upstream: ({ params }) => ({ method: 'GET', path: `/posts/${params.postId}/stats` }),
    shape: shapePostStatsReply,
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/streams/chart', tag, summary: 'Streams over time: streams, tips', permission,
    querystring: StreamsChartQuery, reply: ChartsReply,
    upstream: ({ query }) => chartCall('/streams/chart', query),
    shape: (body, { query }) => shapeCharts(body, query.by),
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/streams/top', tag, summary: 'Top streams of a date range', permission,
    querystring: StreamsTopQuery, reply: TopPostsReply,
    // The simulator ranks streams by tips or tipsCount; the SDK's other measures rank by tips.
    upstream: ({ query }) => ({ method: 'GET', path: '/streams/top', query: { ...upstreamTopQuery(query), by: 'tips' } }),
    shape: (body) => shapeTopPage(body, shapeTopStream),
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/stories/chart', tag, summary: 'Stories over time: stories, views, likes, tips', permission,
    querystring: StoriesChartQuery, reply: ChartsReply,
    upstream: ({ query }) => chartCall('/stories/chart', query),
    shape: (body, { query }) => shapeCharts(body, query.by),
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/stories/top', tag, summary: 'Top stories of a date range, by one measure', permission,
    querystring: StoriesTopQuery, reply: TopStoriesReply,
    // Upstream ranks stories by views, likes or tips; comments are not counted there, so they rank by views.
    upstream: ({ query }) => ({ method: 'GET', path: '/stories/top', query: { ...upstreamTopQuery(query), by: query.by === 'comments' ? 'views' : query.by } }),
    shape: (body, { connection }) => shapeTopPage(body, (story) => shapeTopStory(story, num(connection.platformUserId))),
  }),
];

export const family = defineFamily({
  name: 'analytics',
  permissions: [permission],
  endpoints: [...contentEndpoints, ...offerEndpoints, ...massMessageEndpoints],
});
