import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordBroadcastEvent, recordEvent, type EventToRecord } from '../../src/webhooks/outbox.ts';
import { releaseAll } from '../support/cleanup.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startReceiver, verifiesWith, type Receiver } from './receiver.ts';

// A running service (role all): its own worker delivers, woken by NOTIFY at commit; nothing here drives it.
describe.each(BACKENDS)('webhook delivery end to end (%s)', (backend) => {
  let t: TestService;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await startTestService(backend);
    receiver = await startReceiver();
  });
  afterAll(() => releaseAll(() => t?.close(), () => receiver?.close()));
  beforeEach(() => {
    receiver.answer = () => 200;
  });

  /** An org with an admin key of its own: what a test counts is its own. */
  async function newOrg(name: string) {
    const orgId = await createOrg(t.database.handle, name);
    const key = (await createKey(t.database.handle, orgId, 'sandbox', ['admin'])).secret;
    const record = (event: Omit<EventToRecord, 'orgId' | 'environment'>) =>
      t.database.handle.db.transaction((tx) => recordEvent(tx, { orgId, environment: 'sandbox', ...event }, new Date()));
    const addEndpoint = (body: Record<string, unknown>) => addEndpointWith(key, body);
    const api = (method: string, path: string) => call(t.url, method, path, { key });
    return { orgId, key, record, addEndpoint, api };
  }

  async function addEndpointWith(key: string, body: Record<string, unknown>) {
    const res = await call(t.url, 'POST', '/v2/webhooks/endpoints', { key, body });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }

  const statusOf = async (api: (method: string, path: string) => Promise<{ body: any }>, messageId: string): Promise<string> =>
    (await api('GET', `/v2/webhooks/messages/${messageId}`)).body.status;

  it('a recorded event reaches the endpoint signed for both Standard Webhooks and svix verifiers, in OFAuth\'s envelope', async () => {
    const { record, addEndpoint, api } = await newOrg('End to end');
    const endpoint = await addEndpoint({ url: `${receiver.url}/e2e`, eventTypes: ['connection.created'] });
    const data = {
      clientReferenceId: 'user_456',
      connection: { id: 'conn_e2e', platformUserId: '470702183', status: 'active', permissions: ['profile:read'], userData: { id: '470702183', userId: '470702183', name: 'Jane', username: 'jane', avatar: null } },
    };
    const messageId = await record({ type: 'connection.created', connectionId: 'conn_e2e', data });
    await receiver.waitFor((r) => r.some((d) => d.webhookId === messageId), WORKER_PROGRESS_TIMEOUT_MS);
    const delivery = receiver.received.find((d) => d.webhookId === messageId)!;
    expect(verifiesWith(endpoint.secret, delivery)).toBe(true);
    expect(delivery.headers['svix-id']).toBe(messageId);
    expect(delivery.headers['webhook-timestamp']).toBe(delivery.headers['svix-timestamp']);
    expect(delivery.headers['webhook-signature']).toBe(delivery.headers['svix-signature']);
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.payload).toEqual({ type: 'connection.created', eventType: 'connection.created', timestamp: expect.any(String), live: false, data });
    expect(messageId).toMatch(/^msg_[A-Za-z0-9]+$/);

    // The attempt is logged and the message reads as delivered.
    await eventually(async () => (await statusOf(api, messageId)) === 'succeeded', { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the message reading as succeeded' });
    const attempts = await api('GET', `/v2/webhooks/messages/${messageId}/attempts`);
    expect(attempts.body.list).toHaveLength(1);
    expect(attempts.body.list[0]).toMatchObject({ attempt: 1, status: 'succeeded', statusCode: 200, responseSnippet: 'ok', endpointId: endpoint.id });
    const perEndpoint = await api('GET', `/v2/webhooks/endpoints/${endpoint.id}/attempts`);
    expect(perEndpoint.body.list.map((a: { messageId: string }) => a.messageId)).toEqual([messageId]);
  });

  it('an endpoint gets only the event types it asked for; one without a filter gets all', async () => {
    const { record, addEndpoint, api } = await newOrg('Filters');
    await addEndpoint({ url: `${receiver.url}/expired-only`, eventTypes: ['connection.expired'] });
    const all = await addEndpoint({ url: `${receiver.url}/all` });
    const created = await record({ type: 'connection.created', connectionId: 'conn_filter', data: {} });
    const expired = await record({ type: 'connection.expired', connectionId: 'conn_filter', data: {} });
    await receiver.waitFor((r) => r.filter((d) => d.webhookId === expired).length >= 2 && r.some((d) => d.webhookId === created), WORKER_PROGRESS_TIMEOUT_MS);
    const pathsOf = (id: string) => receiver.received.filter((d) => d.webhookId === id).map((d) => d.path).sort();
    expect(pathsOf(created)).toEqual(['/all']);
    expect(pathsOf(expired)).toEqual(['/all', '/expired-only']);
    expect(receiver.received.filter((d) => d.path === '/all').every((d) => verifiesWith(all.secret, d))).toBe(true);
    const detail = await api('GET', `/v2/webhooks/messages/${created}`);
    expect(detail.body.deliveries.map((d: { endpointId: string }) => d.endpointId)).toEqual([all.id]);
  });

  it('under concurrency, each connection\'s events arrive in the order recorded, retries included', async () => {
    const { record, addEndpoint } = await newOrg('Concurrency');
    await addEndpoint({ url: `${receiver.url}/concurrent`, eventTypes: ['connection.updated'] });
    const failedOnce = new Set<string>();
    receiver.answer = (d) => {
      if (d.path === '/concurrent' && d.payload.data.n % 3 === 0 && !failedOnce.has(d.webhookId)) {
        failedOnce.add(d.webhookId);
        return 503;
      }
      return 200;
    };
    for (let n = 0; n < 40; n++) await record({ type: 'connection.updated', connectionId: `conn_c${n % 5}`, data: { n, c: n % 5 } });
    const succeededAt = () => receiver.received.filter((d) => d.path === '/concurrent');
    await receiver.waitFor(() => succeededAt().length >= 40 + 14, WORKER_PROGRESS_TIMEOUT_MS);
    for (let c = 0; c < 5; c++) {
      const order = succeededAt().filter((d) => d.payload.data.c === c).map((d) => d.payload.data.n as number);
      const firstSeen = order.filter((n, i) => order.indexOf(n) === i);
      expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a - b));
      // A retried event is sent again before the connection's next event.
      for (let i = 1; i < order.length; i++) expect(order[i]).toBeGreaterThanOrEqual(order[i - 1]);
    }
  });

  it('messages list newest first and filter by event type and status', async () => {
    const { record, addEndpoint, api } = await newOrg('Message list');
    await addEndpoint({ url: `${receiver.url}/listed` });
    const firstExpired = await record({ type: 'connection.expired', connectionId: 'conn_list', data: {} });
    const created = await record({ type: 'connection.created', connectionId: 'conn_list', data: {} });
    const secondExpired = await record({ type: 'connection.expired', connectionId: 'conn_list', data: {} });
    const byType = await api('GET', '/v2/webhooks/messages?eventType=connection.expired');
    expect(byType.body.list.map((m: { id: string }) => m.id)).toEqual([secondExpired, firstExpired]);
    await eventually(async () => (await api('GET', '/v2/webhooks/messages?status=pending')).body.list.length === 0, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'no message pending' });
    const succeeded = await api('GET', '/v2/webhooks/messages?status=succeeded&limit=1');
    expect(succeeded.body.list.map((m: { id: string }) => m.id)).toEqual([secondExpired]);
    expect(succeeded.body.hasMore).toBe(true);
    expect((await api('GET', '/v2/webhooks/messages?status=succeeded')).body.list.map((m: { id: string }) => m.id)).toEqual([secondExpired, created, firstExpired]);
  });

  it('rules.updated reaches every org\'s subscribed endpoints of that environment, and no other', async () => {
    const subscribed = await newOrg('Rules subscriber');
    const allEvents = await newOrg('Rules, all events');
    const otherEvents = await newOrg('Rules, other events');
    const liveKey = (await createKey(t.database.handle, allEvents.orgId, 'live', ['admin'])).secret;
    await subscribed.addEndpoint({ url: `${receiver.url}/rules-subscribed`, eventTypes: ['rules.updated'] });
    await allEvents.addEndpoint({ url: `${receiver.url}/rules-all` });
    await otherEvents.addEndpoint({ url: `${receiver.url}/rules-other`, eventTypes: ['connection.created'] });
    await addEndpointWith(liveKey, { url: `${receiver.url}/rules-live` });
    const revision = `r-${Date.now()}`;
    const ids = await t.database.handle.db.transaction((tx) =>
      recordBroadcastEvent(tx, { environment: 'sandbox', type: 'rules.updated', data: { revision, rules: { revision } } }, new Date()),
    );
    const announced = (org: { api: (method: string, path: string) => Promise<{ body: any }> }) =>
      org.api('GET', '/v2/webhooks/messages?eventType=rules.updated').then((res) => res.body.list.map((m: { id: string }) => m.id));
    const [toSubscribed, toAllEvents] = [await announced(subscribed), await announced(allEvents)];
    expect(toSubscribed).toHaveLength(1);
    expect(toAllEvents).toHaveLength(1);
    expect(ids).toEqual(expect.arrayContaining([...toSubscribed, ...toAllEvents]));
    expect(await announced(otherEvents)).toEqual([]);
    expect((await call(t.url, 'GET', '/v2/webhooks/messages?eventType=rules.updated', { key: liveKey })).body.list).toEqual([]);

    const ofRevision = () => receiver.received.filter((d) => d.payload.type === 'rules.updated' && d.payload.data.revision === revision);
    await receiver.waitFor(() => ofRevision().some((d) => d.path === '/rules-subscribed') && ofRevision().some((d) => d.path === '/rules-all'), WORKER_PROGRESS_TIMEOUT_MS);
    const paths = ofRevision().map((d) => d.path);
    expect(paths).not.toContain('/rules-other');
    expect(paths).not.toContain('/rules-live');
  });

  it('metrics report deliveries by outcome, the queue depth and the oldest pending age', async () => {
    const { record, addEndpoint, api } = await newOrg('Metrics');
    await addEndpoint({ url: `${receiver.url}/metrics` });
    const messageId = await record({ type: 'connection.created', connectionId: 'conn_metrics', data: {} });
    await eventually(async () => (await statusOf(api, messageId)) === 'succeeded', { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the message reading as succeeded' });
    const res = await call(t.url, 'GET', '/metrics');
    expect(res.body).toMatch(/ofconnect_webhook_deliveries_total\{outcome="succeeded"\} [1-9]\d*/);
    expect(res.body).toMatch(/ofconnect_webhook_queue_depth \d+/);
    expect(res.body).toMatch(/ofconnect_webhook_oldest_pending_age_seconds [\d.]+/);
    expect(res.body).toMatch(/ofconnect_webhook_attempt_duration_seconds_count [1-9]\d*/);
  });
});
