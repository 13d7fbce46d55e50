// Stories: a user's live stories (GET /users/{id}/stories, docs/onlyfans-web-api.md §9) and the account's own story
// items, newest first with the marker cursor (GET /stories/archive?marker=, docs/onlyfans-web-api.md §8).
import type { FastifyInstance } from 'fastify';
import { fixtureFaker } from '../data/fixture-faker.ts';
import { isoTime } from '../data/formats.ts';
import { mediaView } from '../data/media.ts';
import type { Story } from '../data/stories.ts';
import { STORY_LIFETIME_MS, generateStories, isStoryLive } from '../data/stories.ts';
import { userNotFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { pageOf, queryOf, queryString } from './paging.ts';

function storyView(story: Story, ownerId: number, isMine: boolean) {
  return {
    id: story.id,
    userId: ownerId,
    createdAt: isoTime(story.createdAtMs),
    expiredAt: isoTime(story.createdAtMs + STORY_LIFETIME_MS),
    isReady: true,
    isWatched: isMine,
    canLike: !isMine,
    isLiked: false,
    media: story.media.map((m) => mediaView(m)),
    ...(isMine ? { viewsCount: story.viewsCount, likesCount: story.likesCount, tipsAmount: story.tipsAmount } : {}),
  };
}

export function registerStoryRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get<{ Params: { user: string } }>('/api2/v2/users/:user/stories', async (req) => {
    const data = requireAccountData(req, state);
    const now = state.now();
    const user = req.params.user;
    if (user === 'me' || user === String(data.profile.id) || user === data.profile.username) {
      return data.stories.filter((s) => isStoryLive(s, now)).map((s) => storyView(s, data.profile.id, true));
    }
    void data.relations;
    const found = state.world.directory.find(user);
    if (!found) throw userNotFound();
    const person = 'profile' in found ? found.profile : found;
    // Another creator's stories come from that creator's own seed, the same whoever looks.
    const stories = generateStories(fixtureFaker(state.seed, person.id, 'stories', data.anchorMs), person.isPerformer);
    return stories.filter((s) => isStoryLive(s, now)).map((s) => storyView(s, person.id, false));
  });

  app.get('/api2/v2/stories/archive', async (req) => {
    const data = requireAccountData(req, state);
    const query = queryOf(req);
    const { limit } = pageOf(query, 10);
    const marker = Number(queryString(query, 'marker'));
    // marker = the createdAt (Unix seconds) of the last story seen; the next page starts strictly older.
    const rows = data.stories.filter((s) => !Number.isFinite(marker) || marker <= 0 || s.createdAtMs / 1000 < marker);
    const list = rows.slice(0, limit);
    const hasMore = rows.length > list.length;
    return { list: list.map((s) => storyView(s, data.profile.id, true)), hasMore, marker: hasMore ? Math.floor(list[list.length - 1].createdAtMs / 1000) : null };
  });
}
