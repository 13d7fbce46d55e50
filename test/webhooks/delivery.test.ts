import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordBroadcastEvent, recordEvent, type EventToRecord } from '../../src/webhooks/outbox.ts';
import { BACKENDS } from '../support/databases.ts';
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
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  beforeEach(() => {
    receiver.answer = () => 200;
  });

  const record = (event: Omit<EventToRecord, 'orgId' | 'environment'> & { orgId?: string }) =>
    t.database.handle.db.transaction((tx) => recordEvent(tx, { orgId: t.orgId, environment: 'sandbox', ...event }, new Date()));

  async function addEndpoint(body: Record<string, unknown>, key = t.adminKey) {
    const res = await call(t.url, 'POST', '/v2/webhooks/endpoints', { key, body });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }

  it('a recorded event reaches the endpoint signed for both Standard Webhooks and svix verifiers, in OFAuth\'s envelope', async () => {
    const endpoint = await addEndpoint({ url: `${receiver.url}/e2e`, eventTypes: ['connection.created'] });
    const data = {
      clientReferenceId: 'user_456',
      connection: { id: 'conn_e2e', platformUserId: '470702183', status: 'active', permissions: ['profile:read'], userData: { id: '470702183', userId: '470702183', name: 'Jane', username: 'jane', avatar: null } },
    };
    const messageId = await record({ type: 'connection.created', connectionId: 'conn_e2e', data });
    await receiver.waitFor((r) => r.some((d) => d.webhookId === messageId));
    const delivery = receiver.received.find((d) => d.webhookId === messageId)!;
    expect(verifiesWith(endpoint.secret, delivery)).toBe(true);
    expect(delivery.headers['svix-id']).toBe(messageId);
    expect(delivery.headers['webhook-timestamp']).toBe(delivery.headers['svix-timestamp']);
    expect(delivery.headers['webhook-signature']).toBe(delivery.headers['svix-signature']);
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.payload).toEqual({ type: 'connection.created', eventType: 'connection.created', timestamp: expect.any(String), live: false, data });
    expect(messageId).toMatch(/^msg_[A-Za-z0-9]+$/);

    // The attempt is logged and the message reads as delivered.
    await expect.poll(async () => (await call(t.url, 'GET', `/v2/webhooks/messages/${messageId}`, { key: t.adminKey })).body.status).toBe('succeeded');
    const attempts = await call(t.url, 'GET', `/v2/webhooks/messages/${messageId}/attempts`, { key: t.adminKey });
    expect(attempts.body.list).toHaveLength(1);
    expect(attempts.body.list[0]).toMatchObject({ attempt: 1, status: 'succeeded', statusCode: 200, responseSnippet: 'ok', endpointId: endpoint.id });
    const perEndpoint = await call(t.url, 'GET', `/v2/webhooks/endpoints/${endpoint.id}/attempts`, { key: t.adminKey });
    expect(perEndpoint.body.list.map((a: { messageId: string }) => a.messageId)).toContain(messageId);
  });

  it('an endpoint gets only the event types it asked for; one without a filter gets all', async () => {
    const expiredOnly = await addEndpoint({ url: `${receiver.url}/expired-only`, eventTypes: ['connection.expired'] });
    const all = await addEndpoint({ url: `${receiver.url}/all` });
    const created = await record({ type: 'connection.created', connectionId: 'conn_filter', data: {} });
    const expired = await record({ type: 'connection.expired', connectionId: 'conn_filter', data: {} });
    await receiver.waitFor((r) => r.filter((d) => d.webhookId === expired).length >= 2 && r.some((d) => d.webhookId === created));
    const pathsOf = (id: string) => receiver.received.filter((d) => d.webhookId === id).map((d) => d.path).sort();
    expect(pathsOf(created)).toEqual(['/all', '/e2e']);
    expect(pathsOf(expired)).toEqual(['/all', '/expired-only']);
    expect(receiver.received.filter((d) => d.path === '/all').every((d) => verifiesWith(all.secret, d))).toBe(true);
    const detail = await call(t.url, 'GET', `/v2/webhooks/messages/${created}`, { key: t.adminKey });
    expect(detail.body.deliveries.map((d: { endpointId: string }) => d.endpointId)).not.toContain(expiredOnly.id);
    expect(detail.body.deliveries.map((d: { endpointId: string }) => d.endpointId)).toContain(all.id);
  });

  it('under concurrency, each connection\'s events arrive in the order recorded, retries included', async () => {
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
    await receiver.waitFor(() => succeededAt().length >= 40 + 14);
    for (let c = 0; c < 5; c++) {
      const order = succeededAt().filter((d) => d.payload.data.c === c).map((d) => d.payload.data.n as number);
      const firstSeen = order.filter((n, i) => order.indexOf(n) === i);
      expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a - b));
      // A retried event is sent again before the connection's next event.
      for (let i = 1; i < order.length; i++) expect(order[i]).toBeGreaterThanOrEqual(order[i - 1]);
    }
  });

  it('messages list newest first and filter by event type and status', async () => {
    const byType = await call(t.url, 'GET', '/v2/webhooks/messages?eventType=connection.expired', { key: t.adminKey });
    expect(byType.body.list.length).toBeGreaterThan(0);
    expect(byType.body.list.every((m: { eventType: string }) => m.eventType === 'connection.expired')).toBe(true);
    await expect.poll(async () => (await call(t.url, 'GET', '/v2/webhooks/messages?status=pending', { key: t.adminKey })).body.list).toEqual([]);
    const succeeded = await call(t.url, 'GET', '/v2/webhooks/messages?status=succeeded&limit=1', { key: t.adminKey });
    expect(succeeded.body.list).toHaveLength(1);
    expect(succeeded.body.hasMore).toBe(true);
  });

  it('rules.updated reaches every org\'s subscribed endpoints of that environment, and no other', async () => {
    const otherOrg = await createOrg(t.database.handle);
    const otherKey = (await createKey(t.database.handle, otherOrg, 'sandbox', ['admin'])).secret;
    const liveKey = (await createKey(t.database.handle, otherOrg, 'live', ['admin'])).secret;
    await addEndpoint({ url: `${receiver.url}/rules-other`, eventTypes: ['rules.updated'] }, otherKey);
    await addEndpoint({ url: `${receiver.url}/rules-live` }, liveKey);
    const ids = await t.database.handle.db.transaction((tx) =>
      recordBroadcastEvent(tx, { environment: 'sandbox', type: 'rules.updated', data: { revision: 'r2', rules: { revision: 'r2' } } }, new Date()),
    );
    expect(ids).toHaveLength(2);
    await receiver.waitFor((r) => r.filter((d) => d.payload.type === 'rules.updated').length >= 2);
    const byOrg = await call(t.url, 'GET', '/v2/webhooks/messages?eventType=rules.updated', { key: otherKey });
    expect(byOrg.body.list).toHaveLength(1);
    expect((await call(t.url, 'GET', '/v2/webhooks/messages?eventType=rules.updated', { key: liveKey })).body.list).toEqual([]);
    expect(receiver.received.filter((d) => d.payload.type === 'rules.updated').map((d) => d.path).sort()).toEqual(['/all', '/rules-other']);
  });

  it('metrics report deliveries by outcome, the queue depth and the oldest pending age', async () => {
    const res = await call(t.url, 'GET', '/metrics');
    expect(res.body).toMatch(/ofconnect_webhook_deliveries_total\{outcome="succeeded"\} \d+/);
    expect(res.body).toMatch(/ofconnect_webhook_queue_depth \d+/);
    expect(res.body).toMatch(/ofconnect_webhook_oldest_pending_age_seconds [\d.]+/);
    expect(res.body).toMatch(/ofconnect_webhook_attempt_duration_seconds_count \d+/);
  });
});
