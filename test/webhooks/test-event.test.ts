// POST /v2/webhooks/endpoints/{id}/test: one signed example event to one endpoint through the normal pipeline: it is
// delivered by the worker, listed with its attempt, replayable, and audited as webhook_endpoint.test_sent.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { releaseAll } from '../support/cleanup.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startReceiver, verifiesWith, type Receiver } from './receiver.ts';

describe.each(BACKENDS)('webhook test event (%s)', (backend) => {
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

  async function freshOrg(name: string) {
    const orgId = await createOrg(t.database.handle, name);
    const key = await createKey(t.database.handle, orgId, 'sandbox', ['admin']);
    const api = (method: string, path: string, body?: unknown) => call(t.url, method, path, { key: key.secret, body });
    const addEndpoint = async (body: Record<string, unknown>) => {
      const res = await api('POST', '/v2/webhooks/endpoints', body);
      expect(res.status).toBe(201);
      return res.body as { id: string; secret: string };
    };
    return { orgId, keyId: key.id, key: key.secret, api, addEndpoint };
  }

  it('delivers a signed example to that endpoint only, marked test, listed with its attempt and audited', async () => {
    const org = await freshOrg('Test event');
    // The endpoint takes only expiries: a test goes to it whatever it subscribes to. The other endpoint gets nothing.
    const endpoint = await org.addEndpoint({ url: `${receiver.url}/test-target`, eventTypes: ['connection.expired'] });
    await org.addEndpoint({ url: `${receiver.url}/bystander` });

    const sent = await org.api('POST', `/v2/webhooks/endpoints/${endpoint.id}/test`);
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ eventType: 'connection.created', connectionId: null, status: 'pending' });
    expect(sent.body.id).toMatch(/^msg_[A-Za-z0-9]+$/);
    expect(sent.body.payload).toMatchObject({ type: 'connection.created', eventType: 'connection.created', live: false, test: true });
    expect(sent.body.payload.data.connection).toMatchObject({ id: 'conn_test', status: 'active', userData: { username: 'testcreator' } });

    await receiver.waitFor((r) => r.some((d) => d.webhookId === sent.body.id), WORKER_PROGRESS_TIMEOUT_MS);
    const delivered = receiver.received.filter((d) => d.webhookId === sent.body.id);
    expect(delivered.map((d) => d.path)).toEqual(['/test-target']);
    expect(verifiesWith(endpoint.secret, delivered[0])).toBe(true);
    expect(delivered[0].payload).toEqual(sent.body.payload);

    const settled = await eventually(async () => {
      const detail = await org.api('GET', `/v2/webhooks/messages/${sent.body.id}`);
      return detail.body.status === 'succeeded' ? detail.body : null;
    }, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the test message marked succeeded' });
    expect(settled.deliveries).toEqual([expect.objectContaining({ endpointId: endpoint.id, status: 'succeeded', attemptCount: 1, lastStatusCode: 200 })]);
    const attempts = await org.api('GET', `/v2/webhooks/endpoints/${endpoint.id}/attempts`);
    expect(attempts.body.list.map((a: { messageId: string }) => a.messageId)).toContain(sent.body.id);
    const listed = await org.api('GET', '/v2/webhooks/messages?eventType=connection.created');
    expect(listed.body.list.map((m: { id: string }) => m.id)).toEqual([sent.body.id]);

    const audit = await org.api('GET', '/v2/audit-log?action=webhook_endpoint.test_sent');
    expect(audit.body.list).toEqual([
      expect.objectContaining({ actor: `key:${org.keyId}`, target: endpoint.id, data: { messageId: sent.body.id, eventType: 'connection.created' } }),
    ]);
  });

  it('sends an example of the event type asked for, and replays it to the endpoint with the same webhook-id', async () => {
    const org = await freshOrg('Test event replay');
    const endpoint = await org.addEndpoint({ url: `${receiver.url}/replayed` });
    const sent = await org.api('POST', `/v2/webhooks/endpoints/${endpoint.id}/test`, { eventType: 'connection.expired' });
    expect(sent.status).toBe(202);
    expect(sent.body.payload).toMatchObject({ eventType: 'connection.expired', test: true, data: { connection: { id: 'conn_test', status: 'expired' } } });
    expect(sent.body.payload.data.connection).not.toHaveProperty('userData');
    await eventually(async () => (await org.api('GET', `/v2/webhooks/messages/${sent.body.id}`)).body.status === 'succeeded', {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS,
      what: 'the test message delivered',
    });
    const replay = await org.api('POST', `/v2/webhooks/messages/${sent.body.id}/replay`, { endpointId: endpoint.id });
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ replayed: 1 });
    await receiver.waitFor((r) => r.filter((d) => d.webhookId === sent.body.id).length === 2, WORKER_PROGRESS_TIMEOUT_MS);
    const [first, again] = receiver.received.filter((d) => d.webhookId === sent.body.id);
    expect(again.payload).toEqual(first.payload);
    expect(again.path).toBe('/replayed');
  });

  it('a replay of a test event that names no endpoint goes back to its endpoint only, not to every subscriber', async () => {
    const org = await freshOrg('Test event replay to all');
    const endpoint = await org.addEndpoint({ url: `${receiver.url}/tested` });
    await org.addEndpoint({ url: `${receiver.url}/subscriber` });
    const sent = await org.api('POST', `/v2/webhooks/endpoints/${endpoint.id}/test`);
    expect(sent.status).toBe(202);
    await eventually(async () => (await org.api('GET', `/v2/webhooks/messages/${sent.body.id}`)).body.status === 'succeeded', {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS,
      what: 'the test message delivered',
    });
    const replay = await org.api('POST', `/v2/webhooks/messages/${sent.body.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ replayed: 1 });
    await receiver.waitFor((r) => r.filter((d) => d.webhookId === sent.body.id).length === 2, WORKER_PROGRESS_TIMEOUT_MS);
    const detail = await eventually(async () => {
      const res = await org.api('GET', `/v2/webhooks/messages/${sent.body.id}`);
      return res.body.status === 'succeeded' ? res.body : null;
    }, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the replay delivered' });
    expect(detail.deliveries.map((d: { endpointId: string }) => d.endpointId)).toEqual([endpoint.id, endpoint.id]);
    expect(receiver.received.filter((d) => d.webhookId === sent.body.id).map((d) => d.path)).toEqual(['/tested', '/tested']);
  });

  it('an unknown or foreign endpoint is a 404, a disabled one a 409, a bad event type a 400 naming eventType; admin only', async () => {
    const org = await freshOrg('Owner');
    const endpoint = await org.addEndpoint({ url: `${receiver.url}/owned` });
    const stranger = await freshOrg('Stranger');
    const foreign = await stranger.api('POST', `/v2/webhooks/endpoints/${endpoint.id}/test`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.type).toBe('RESOURCE_NOT_FOUND');
    expect((await stranger.api('GET', '/v2/webhooks/messages')).body.list).toEqual([]);
    expect((await org.api('POST', '/v2/webhooks/endpoints/we_unknown1/test')).status).toBe(404);

    const badType = await org.api('POST', `/v2/webhooks/endpoints/${endpoint.id}/test`, { eventType: 'rules.updated' });
    expect(badType.status).toBe(400);
    expect(badType.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'eventType' } });
    const extra = await org.api('POST', `/v2/webhooks/endpoints/${endpoint.id}/test`, { eventType: 'connection.created', url: 'http://elsewhere' });
    expect(extra.status).toBe(400);
    const badId = await org.api('POST', '/v2/webhooks/endpoints/not-an-id/test');
    expect(badId.status).toBe(400);
    expect(badId.body.details.field).toBe('endpointId');

    expect((await org.api('PATCH', `/v2/webhooks/endpoints/${endpoint.id}`, { enabled: false })).status).toBe(200);
    const disabled = await org.api('POST', `/v2/webhooks/endpoints/${endpoint.id}/test`);
    expect(disabled.status).toBe(409);
    expect(disabled.body.type).toBe('CONFLICT');

    const accountOnly = (await createKey(t.database.handle, org.orgId, 'sandbox', ['account'])).secret;
    expect((await call(t.url, 'POST', `/v2/webhooks/endpoints/${endpoint.id}/test`, { key: accountOnly })).status).toBe(403);
    // Nothing was recorded by the refused calls.
    expect((await org.api('GET', '/v2/webhooks/messages')).body.list).toEqual([]);
  });
});
