// Stories (a user's live stories, the account's own story items) and the account's release forms and taggable users,
// through the managed endpoints against the simulator: each reply in the shape its schema declares, and agreeing
// with what the simulator holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { ReleaseFormsReply, TaggedFriendUsersReply } from '../../src/access/endpoints/self.ts';
import { StoryItemsReply, UserStoriesReply } from '../../src/access/endpoints/stories.ts';
import { BACKENDS } from '../support/databases.ts';
import { withoutPerReadValues } from '../support/sandbox.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { access, ALL_PERMISSIONS, importConnection } from './access-fixture.ts';

function expectShape(schema: TSchema, body: unknown): void {
  const first = [...Value.Errors(schema, body)][0];
  expect(first ? `${first.instancePath}: ${first.message}` : 'ok').toBe('ok');
}

describe.each(BACKENDS)('access: stories, release forms and taggable users against the simulator (%s)', (backend) => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  it('a user\'s live stories: the account\'s own by id, another creator\'s, and an unknown user is a 404', async () => {
    const conn = await importConnection(t);
    const get = (path: string) => access(t, conn.id, 'GET', path);
    const selfId = Number(conn.session.userId);

    const own = await get(`/v2/access/users/${selfId}/stories`);
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expectShape(UserStoriesReply, own.body);
    expect(own.body.every((story: { userId: number }) => story.userId === selfId)).toBe(true);

    // A fan follows 8 to 25 creators (a creator may follow none): read another creator's stories as one.
    const fan = await importConnection(t, { email: `stories${process.pid}x${Date.now().toString(36)}@fan.sandbox.com` });
    const asFan = (path: string) => access(t, fan.id, 'GET', path);
    const followed = await asFan('/v2/access/subscriptions?limit=1');
    expect(followed.status).toBe(200);
    const creatorId = followed.body.list[0].id;
    const theirs = await get(`/v2/access/users/${creatorId}/stories`);
    // The same stories from the fan who follows them (media URLs are signed per read and per viewer's session).
    expect(withoutPerReadValues(theirs.body), 'the same from the fan who follows them').toEqual(withoutPerReadValues((await asFan(`/v2/access/users/${creatorId}/stories`)).body));
    expect(theirs.status).toBe(200);
    expectShape(UserStoriesReply, theirs.body);
    expect(theirs.body.every((story: { userId: number; canLike: boolean }) => story.userId === creatorId && story.canLike)).toBe(true);
    // Another creator's stories are the same whoever asks, and asking twice changes nothing.
    expect((await get(`/v2/access/users/${creatorId}/stories`)).body.map((s: { id: number }) => s.id)).toEqual(theirs.body.map((s: { id: number }) => s.id));

    // The profile route beside it still answers the profile, not the stories.
    const profile = await get(`/v2/access/users/${creatorId}`);
    expect(profile.status).toBe(200);
    expect(profile.body.id).toBe(creatorId);

    const unknown = await get('/v2/access/users/nobody-at-all-here/stories');
    expect(unknown.status).toBe(404);
  });

  it('story items: newest first, paged by marker, each page strictly older than the one before', async () => {
    const conn = await importConnection(t);
    const first = await access(t, conn.id, 'GET', '/v2/access/stories/items?limit=3');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expectShape(StoryItemsReply, first.body);
    expect(first.body.list.length).toBeGreaterThan(0);
    const times = first.body.list.map((s: { createdAt: string }) => Date.parse(s.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    if (!first.body.hasMore) {
      expect(first.body.marker).toBeNull();
      return;
    }
    const next = await access(t, conn.id, 'GET', `/v2/access/stories/items?limit=3&marker=${first.body.marker}`);
    expect(next.status).toBe(200);
    expectShape(StoryItemsReply, next.body);
    expect(Date.parse(next.body.list[0].createdAt)).toBeLessThan(times[times.length - 1]);
    const badMarker = await access(t, conn.id, 'GET', '/v2/access/stories/items?marker=soon');
    expect(badMarker.status).toBe(400);
    expect(badMarker.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'marker' } });
  });

  it('release forms and taggable users: every approved invitee can be tagged', async () => {
    const conn = await importConnection(t);
    const forms = await access(t, conn.id, 'GET', '/v2/access/self/release-forms?limit=20');
    expect(forms.status, JSON.stringify(forms.body)).toBe(200);
    expectShape(ReleaseFormsReply, forms.body);
    expect(forms.body.list.length).toBeGreaterThan(0);
    for (const form of forms.body.list) expect(form.hasUser).toBe(form.partnerId !== null);

    const tagged = await access(t, conn.id, 'GET', '/v2/access/self/tagged-friend-users?limit=20');
    expect(tagged.status, JSON.stringify(tagged.body)).toBe(200);
    expectShape(TaggedFriendUsersReply, tagged.body);
    const taggable = new Set(tagged.body.list.map((entry: { user: { id: number } }) => entry.user.id));
    const approved = forms.body.list.filter((f: { type: string; status: string; partnerId: number | null }) => f.type === 'invite' && f.status === 'approved' && f.partnerId !== null);
    if (!tagged.body.hasMore) for (const form of approved) expect(taggable.has(form.partnerId)).toBe(true);

    const paged = await access(t, conn.id, 'GET', '/v2/access/self/release-forms?limit=1&offset=1');
    expect(paged.status).toBe(200);
    if (forms.body.list.length > 1) expect(paged.body.list[0].id).toBe(forms.body.list[1].id);
    const tooMany = await access(t, conn.id, 'GET', '/v2/access/self/release-forms?limit=21');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'limit' } });
  });

  it('own story items need posts:read; another user\'s stories need profile:read', async () => {
    const withoutPosts = await importConnection(t, { permissions: ALL_PERMISSIONS.filter((p) => p !== 'posts:read') });
    expect((await access(t, withoutPosts.id, 'GET', '/v2/access/stories/items')).body).toMatchObject({ type: 'FORBIDDEN', details: { requiredPermission: 'posts:read' } });
    expect((await access(t, withoutPosts.id, 'GET', `/v2/access/users/${withoutPosts.session.userId}/stories`)).status).toBe(200);
    const withoutProfile = await importConnection(t, { permissions: ALL_PERMISSIONS.filter((p) => p !== 'profile:read') });
    expect((await access(t, withoutProfile.id, 'GET', `/v2/access/users/${withoutProfile.session.userId}/stories`)).body).toMatchObject({ details: { requiredPermission: 'profile:read' } });
  });
});
