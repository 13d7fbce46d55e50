import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/server.ts';
import { type SignedBrowser, mintedBrowser, testClock, startSandboxWithCreator } from './signed-browser.ts';

describe('release forms, taggable users and stories', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;
  let creator: SignedBrowser;
  let fan: SignedBrowser;

  beforeAll(async () => {
    ({ sandbox, creator } = await startSandboxWithCreator(clock, 16, 'self@creator.sandbox.com'));
    fan = await mintedBrowser(sandbox.url, clock.now, 'self@fan.sandbox.com');
  });
  afterAll(() => sandbox.close());

  it('release forms list documents and invites; taggable users are friends and approved invitees', async () => {
    const forms = (await creator.get('/api2/v2/release-forms?limit=100')).body;
    expect(forms.list.length).toBeGreaterThan(0);
    expect(forms.list[0]).toMatchObject({ id: expect.any(Number), type: expect.stringMatching(/^(document|invite)$/), status: expect.any(String), createdAt: expect.any(String) });
    const tagged = (await creator.get('/api2/v2/posts/tagged-friend-users?limit=100')).body;
    expect(tagged).toHaveProperty('hasMore', false);
    const friends = (await creator.get('/api2/v2/lists/friends/users?limit=100&format=infinite')).body.list.map((u: { id: number }) => u.id);
    const approved = forms.list.filter((f: { type: string; status: string }) => f.type === 'invite' && f.status === 'approved').map((f: { user: { id: number } }) => f.user.id);
    expect(tagged.items.map((u: { id: number }) => u.id).sort()).toEqual([...new Set([...friends, ...approved])].sort());
    expect((await fan.get('/api2/v2/release-forms')).body).toEqual({ list: [], hasMore: false });
  });

  it('a creator\'s live stories and story items; another creator\'s stories are the same for every viewer', async () => {
    const me = (await creator.get('/api2/v2/users/me')).body;
    const live = (await creator.get(`/api2/v2/users/${me.id}/stories`)).body;
    expect(live.length).toBeGreaterThan(0);
    expect(live[0]).toMatchObject({ userId: me.id, media: expect.any(Array), viewsCount: expect.any(Number) });
    const first = (await creator.get('/api2/v2/stories/archive?limit=5')).body;
    expect(first.list).toHaveLength(5);
    expect(first.hasMore).toBe(true);
    const next = (await creator.get(`/api2/v2/stories/archive?limit=5&marker=${first.marker}`)).body;
    expect(next.list[0].id).not.toBe(first.list[4].id);
    expect(Date.parse(next.list[0].createdAt)).toBeLessThan(Date.parse(first.list[4].createdAt));

    const followed = (await fan.get('/api2/v2/subscriptions/subscribes?limit=10')).body.list[0];
    const seenByFan = (await fan.get(`/api2/v2/users/${followed.id}/stories`)).body;
    expect(Array.isArray(seenByFan)).toBe(true);
    expect((await fan.get('/api2/v2/users/nobody-at-all-here/stories')).status).toBe(404);
  });
});
