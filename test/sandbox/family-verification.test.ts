import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/server.ts';
import { type SignedBrowser, mintedBrowser, testClock, startSandboxWithCreator } from './signed-browser.ts';

const REFRESH = { error: { code: 401, message: 'Please refresh the page' } };
const DENIED = { error: { code: 401, message: 'Access denied.' } };

// Every upstream path the Access families call: refused unsigned, refused with another browser's x-bc.
const PATHS: Array<[method: string, path: string]> = [
  ['GET', '/api2/v2/posts/chart'], ['GET', '/api2/v2/posts/top'], ['GET', '/api2/v2/posts/1/stats'],
  ['GET', '/api2/v2/streams/chart'], ['GET', '/api2/v2/streams/top'], ['GET', '/api2/v2/stories/chart'], ['GET', '/api2/v2/stories/top'],
  ['GET', '/api2/v2/promotions/chart'], ['GET', '/api2/v2/promotions/top'], ['GET', '/api2/v2/trials/chart'], ['GET', '/api2/v2/trials/top'],
  ['GET', '/api2/v2/campaigns/chart'], ['GET', '/api2/v2/campaigns/top'],
  ['GET', '/api2/v2/users/me/stats/visitors/countries/chart'], ['GET', '/api2/v2/users/me/stats/visitors/countries/top'],
  ['GET', '/api2/v2/messages/queue/chart'], ['GET', '/api2/v2/users/me/stats/messages/group'], ['GET', '/api2/v2/users/me/stats/messages/purchased'],
  ['GET', '/api2/v2/messages/queue/1/buyers'], ['GET', '/api2/v2/messages/queue/1'], ['PUT', '/api2/v2/messages/queue/1'],
  ['GET', '/api2/v2/promotions'], ['POST', '/api2/v2/promotions'], ['PUT', '/api2/v2/promotions/1'], ['DELETE', '/api2/v2/promotions/1'], ['POST', '/api2/v2/promotions/1/stop'],
  ['GET', '/api2/v2/subscriptions/bundles'], ['POST', '/api2/v2/subscriptions/bundles'], ['GET', '/api2/v2/subscriptions/bundles/1'],
  ['GET', '/api2/v2/campaigns'], ['POST', '/api2/v2/campaigns'], ['GET', '/api2/v2/campaigns/1'], ['GET', '/api2/v2/campaigns/1/claimers'], ['POST', '/api2/v2/campaigns/share-access'],
  ['GET', '/api2/v2/trials'], ['POST', '/api2/v2/trials'], ['GET', '/api2/v2/trials/1'], ['DELETE', '/api2/v2/trials/share-access'],
  ['POST', '/api2/v2/upload/signed/create'], ['POST', '/api2/v2/upload/signed/complete'], ['POST', '/api2/v2/upload/convert'], ['GET', '/api2/v2/vault/media/hash'],
  ['GET', '/api2/v2/release-forms'], ['GET', '/api2/v2/posts/tagged-friend-users'], ['GET', '/api2/v2/users/1/stories'], ['GET', '/api2/v2/stories/archive'],
  ['GET', '/api2/v2/users/search?query=a'], ['PUT', '/api2/v2/subscriptions/1/discount'],
  ['POST', '/api2/v2/vault/lists'], ['PATCH', '/api2/v2/vault/lists/1'], ['DELETE', '/api2/v2/vault/lists/1'], ['POST', '/api2/v2/vault/lists/1/media'],
];

describe('the Access families\' upstream endpoints are verified like the rest', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;
  let creator: SignedBrowser;

  beforeAll(async () => {
    ({ sandbox, creator } = await startSandboxWithCreator(clock, 17, 'verify-families@creator.sandbox.com'));
  });
  afterAll(() => sandbox.close());

  it('an unsigned request is refused with "Please refresh the page"', async () => {
    for (const [method, path] of PATHS) {
      const reply = await creator.send(method, path, { headers: { sign: undefined }, body: method === 'GET' ? undefined : {} });
      expect(reply.status, `${method} ${path}`).toBe(400);
      expect(reply.body, `${method} ${path}`).toEqual(REFRESH);
    }
  });

  it('a signed request without a session is "Access denied."', async () => {
    const cookies = new Map(creator.cookies);
    creator.cookies.clear();
    try {
      for (const [method, path] of PATHS) {
        const reply = await creator.send(method, path, { body: method === 'GET' ? undefined : {} });
        expect(reply.body, `${method} ${path}`).toEqual(DENIED);
      }
    } finally {
      for (const [k, v] of cookies) creator.cookies.set(k, v);
    }
  });

  it('a fan cannot create creator offers or uploads', async () => {
    const fan = await mintedBrowser(sandbox.url, clock.now, 'verify-families@fan.sandbox.com');
    expect((await fan.post('/api2/v2/promotions', { discount: 10 })).status).toBe(400);
    expect((await fan.post('/api2/v2/campaigns', { campaignName: 'x' })).status).toBe(400);
    expect((await fan.post('/api2/v2/upload/signed/create', { parts: 1, contentType: 'image/png', size: 1 })).status).toBe(400);
    expect((await fan.get('/api2/v2/promotions')).body).toEqual({ list: [], hasMore: false });
  });
});
