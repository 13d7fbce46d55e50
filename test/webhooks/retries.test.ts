import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { ManualClock } from '../../src/platform/clock.ts';
import { recordEvent, type EventToRecord } from '../../src/webhooks/outbox.ts';
import { RETRY_DELAYS_MS } from '../../src/webhooks/retry-schedule.ts';
import { createWebhookWorker, startWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startReceiver, verifiesWith, type Receiver } from './receiver.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// The service serves the API only; the test drives a worker by hand on a manual clock, so every schedule is exact.
describe.each(BACKENDS)('webhook retries, ordering and replay on a manual clock (%s)', (backend) => {
  let t: TestService;
  let clock: ManualClock;
  let worker: WebhookWorker;
  let receiver: Receiver;

  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    t = await startTestService(backend, { clock, config: { role: 'api' } });
    worker = createWebhookWorker(t.service.ctx, { concurrency: 8 });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
    await receiver?.close();
  });
  beforeEach(() => {
    receiver.answer = () => 200;
    receiver.received.length = 0;
  });
  afterEach(async () => {
    // Each test starts without endpoints (and so without pending deliveries from the one before).
    for (const e of (await api('GET', '/v2/webhooks/endpoints')).body.list) await api('DELETE', `/v2/webhooks/endpoints/${e.id}`);
  });

  const api = (method: string, path: string, body?: unknown) => call(t.url, method, path, { key: t.adminKey, body });
  const record = (event: Omit<EventToRecord, 'orgId' | 'environment'>) =>
    t.database.handle.db.transaction((tx) => recordEvent(tx, { orgId: t.orgId, environment: 'sandbox', ...event }, clock.now()));
  async function addEndpoint(path: string, extra: Record<string, unknown> = {}) {
    const res = await api('POST', '/v2/webhooks/endpoints', { url: `${receiver.url}${path}`, ...extra });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }
  const receivedAt = (path: string) => receiver.received.filter((d) => d.path === path);

  it('a failing delivery is retried immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then fails', async () => {
    receiver.answer = () => ({ status: 500, body: 'x'.repeat(10_000) });
    const endpoint = await addEndpoint('/failing');
    const messageId = await record({ type: 'connection.expired', connectionId: 'conn_retry', data: {} });
    await worker.drain();
    expect(receivedAt('/failing')).toHaveLength(2);
    for (const [i, delay] of RETRY_DELAYS_MS.slice(1).entries()) {
      clock.advance(delay - 1);
      await worker.drain();
      expect(receivedAt('/failing'), `one ms before retry ${i + 2}`).toHaveLength(i + 2);
      clock.advance(1);
      await worker.drain();
      expect(receivedAt('/failing'), `retry ${i + 2}`).toHaveLength(i + 3);
    }
    clock.advance(2 * DAY);
    await worker.drain();
    expect(receivedAt('/failing')).toHaveLength(9);
    expect(receiver.received.every((d) => d.webhookId === messageId && verifiesWith(endpoint.secret, d))).toBe(true);

    const message = (await api('GET', `/v2/webhooks/messages/${messageId}`)).body;
    expect(message.status).toBe('failed');
    expect(message.deliveries).toEqual([expect.objectContaining({ status: 'failed', attemptCount: 9, lastStatusCode: 500, nextAttemptAt: null })]);
    const attempts = (await api('GET', `/v2/webhooks/messages/${messageId}/attempts`)).body.list;
    expect(attempts.map((a: { attempt: number }) => a.attempt)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(attempts[0]).toMatchObject({ status: 'failed', statusCode: 500 });
    expect(attempts[0].responseSnippet).toHaveLength(4096);
    expect((await api('GET', `/v2/webhooks/endpoints/${endpoint.id}/attempts?status=succeeded`)).body.list).toEqual([]);
    // 28 hours of failures is not yet the 5 days that disable an endpoint.
    expect((await api('GET', `/v2/webhooks/endpoints/${endpoint.id}`)).body).toMatchObject({ enabled: true, failingSince: expect.any(String) });
    expect((await api('GET', '/v2/webhooks/messages?status=failed')).body.list.map((m: { id: string }) => m.id)).toContain(messageId);
  });

  it('a receiver that never answers is cut off at the attempt deadline, logged as timed out, and retried', async () => {
    // A lease of 400 ms puts the attempt deadline at 200 ms (an attempt always ends well inside its lease).
    const hasty = createWebhookWorker(t.service.ctx, { concurrency: 2, leaseMs: 400 });
    receiver.answer = () => new Promise<never>(() => {});
    try {
      await addEndpoint('/silent');
      const messageId = await record({ type: 'connection.expired', connectionId: 'conn_silent', data: {} });
      const started = Date.now();
      await hasty.drain();
      // The first attempt and its immediate retry, each cut off at 200 ms; the next retry is due in 5 s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(380);
      const attempts = (await api('GET', `/v2/webhooks/messages/${messageId}/attempts`)).body.list;
      expect(attempts).toEqual([2, 1].map((attempt) => expect.objectContaining({ attempt, statusCode: null, error: 'timed out' })));
      const message = (await api('GET', `/v2/webhooks/messages/${messageId}`)).body;
      expect(message.deliveries).toEqual([expect.objectContaining({ status: 'pending', attemptCount: 2 })]);
    } finally {
      await hasty.stop();
    }
  });

  it('a stopping worker gives back the deliveries it claimed ahead and the one it abandoned, for others to send now', async () => {
    // One slot: the running worker claims a second delivery ahead, to start the moment the first one's slot frees.
    const running = await startWebhookWorker(t.service.ctx, { concurrency: 1, stopGraceMs: 100, pollIntervalMs: 60_000 });
    receiver.answer = () => new Promise<never>(() => {});
    const endpoint = await addEndpoint('/held');
    await record({ type: 'connection.updated', connectionId: 'conn_first', data: {} });
    await record({ type: 'connection.updated', connectionId: 'conn_second', data: {} });
    await receiver.waitFor((r) => r.length === 1, WORKER_PROGRESS_TIMEOUT_MS);
    const leases = async () =>
      ((await t.database.handle.db.execute(sql`select lease_until from webhook_deliveries where endpoint_id = ${endpoint.id}`)) as unknown as { rows: Array<{ lease_until: unknown }> }).rows;
    await eventually(async () => (await leases()).filter((d) => d.lease_until !== null).length === 2, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'both deliveries leased' });
    await running.stop();
    expect(await leases()).toEqual([{ lease_until: null }, { lease_until: null }]);
    expect(receiver.received).toHaveLength(1);
    // Both go out on the next claim, without waiting for a lease to run out.
    receiver.answer = () => 200;
    await worker.drain();
    expect(receiver.received.map((d) => d.payload.data)).toHaveLength(3);
  });

  it('an endpoint deleted while its delivery is in flight takes its attempt log with it; the other deliveries of the round are recorded', async () => {
    const attemptsOf = async (endpointId: string) =>
      Number(((await t.database.handle.db.execute(sql`select count(*)::int as n from webhook_attempts where endpoint_id = ${endpointId}`)) as unknown as { rows: Array<{ n: number }> }).rows[0].n);
    let release: (answer: number) => void = () => {};
    receiver.answer = (d) => (d.path === '/doomed' ? new Promise<number>((resolve) => (release = resolve)) : 200);
    const doomed = await addEndpoint('/doomed');
    const kept = await addEndpoint('/kept');
    await record({ type: 'connection.updated', connectionId: 'conn_doomed', data: {} });
    await record({ type: 'connection.updated', connectionId: 'conn_doomed', data: { second: true } });
    expect(await attemptsOf(doomed.id)).toBe(0);
    const draining = worker.drain();
    await receiver.waitFor((r) => r.some((d) => d.path === '/doomed'), WORKER_PROGRESS_TIMEOUT_MS);
    expect((await api('DELETE', `/v2/webhooks/endpoints/${doomed.id}`)).status).toBe(200);
    release(200);
    await draining;
    // The kept endpoint's two deliveries went out in order and were logged; nothing of the deleted one remains.
    expect(receivedAt('/kept').map((d) => d.payload.data.second ?? false)).toEqual([false, true]);
    expect(await attemptsOf(kept.id)).toBe(2);
    expect(await attemptsOf(doomed.id)).toBe(0);
    const left = (await t.database.handle.db.execute(sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${doomed.id}`)) as unknown as { rows: Array<{ n: number }> };
    expect(left.rows[0].n).toBe(0);
  });

  it('deleting an endpoint deletes its attempt log', async () => {
    const endpoint = await addEndpoint('/logged');
    const messageId = await record({ type: 'connection.updated', connectionId: 'conn_logged', data: {} });
    await worker.drain();
    expect((await api('GET', `/v2/webhooks/messages/${messageId}/attempts`)).body.list).toHaveLength(1);
    expect((await api('DELETE', `/v2/webhooks/endpoints/${endpoint.id}`)).status).toBe(200);
    expect((await api('GET', `/v2/webhooks/messages/${messageId}/attempts`)).body.list).toEqual([]);
  });

  it('a later event of a connection waits for the earlier one to succeed while other connections flow', async () => {
    let failuresLeft = 3;
    receiver.answer = (d) => (d.payload.data.name === 'A1' && failuresLeft-- > 0 ? 503 : 200);
    const endpoint = await addEndpoint('/ordered');
    for (const [connectionId, name] of [['conn_A', 'A1'], ['conn_A', 'A2'], ['conn_B', 'B1'], ['conn_B', 'B2']]) {
      await record({ type: 'connection.updated', connectionId, data: { name } });
    }
    const names = () => receiver.received.map((d) => d.payload.data.name as string);
    await worker.drain();
    // A1 failed twice (the first retry is immediate); B's events went through meanwhile, in order; A2 waits.
    expect(names().filter((n) => n === 'A1')).toHaveLength(2);
    expect(names().filter((n) => n.startsWith('B'))).toEqual(['B1', 'B2']);
    expect(names()).not.toContain('A2');

    clock.advance(5 * SECOND);
    await worker.drain();
    expect(names()).toEqual(expect.not.arrayContaining(['A2']));
    expect(names().filter((n) => n === 'A1')).toHaveLength(3);

    clock.advance(5 * MINUTE);
    await worker.drain();
    const order = names();
    expect(order.filter((n) => n === 'A1')).toHaveLength(4);
    expect(order.lastIndexOf('A2')).toBeGreaterThan(order.lastIndexOf('A1'));
    expect(order.filter((n) => n === 'A2')).toHaveLength(1);
    expect(receiver.received.every((d) => verifiesWith(endpoint.secret, d))).toBe(true);
  });

  it('a later event of a connection goes out once the earlier one finally failed', async () => {
    receiver.answer = (d) => (d.payload.data.name === 'first' ? 500 : 200);
    await addEndpoint('/after-failure');
    await record({ type: 'connection.updated', connectionId: 'conn_F', data: { name: 'first' } });
    await record({ type: 'connection.updated', connectionId: 'conn_F', data: { name: 'second' } });
    await worker.drain();
    for (const delay of RETRY_DELAYS_MS.slice(1)) {
      expect(receiver.received.map((d) => d.payload.data.name)).not.toContain('second');
      clock.advance(delay);
      await worker.drain();
    }
    const names = receiver.received.map((d) => d.payload.data.name);
    expect(names.filter((n) => n === 'first')).toHaveLength(9);
    expect(names[names.length - 1]).toBe('second');
  });

  it('410 Gone disables the endpoint at once, ends its deliveries and tells the org\'s other endpoints', async () => {
    receiver.answer = (d) => (d.path === '/gone' ? 410 : 200);
    const gone = await addEndpoint('/gone');
    await addEndpoint('/watcher', { eventTypes: ['webhook_endpoint.disabled'] });
    const messageId = await record({ type: 'connection.created', connectionId: 'conn_G', data: {} });
    await worker.drain();
    expect(receivedAt('/gone')).toHaveLength(1);
    const endpoint = (await api('GET', `/v2/webhooks/endpoints/${gone.id}`)).body;
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/410/) });
    expect((await api('GET', `/v2/webhooks/messages/${messageId}`)).body.status).toBe('failed');
    const notice = receivedAt('/watcher');
    expect(notice).toHaveLength(1);
    expect(notice[0].payload).toMatchObject({ type: 'webhook_endpoint.disabled', data: { endpoint: { id: gone.id }, reason: 'gone' } });

    await record({ type: 'connection.created', connectionId: 'conn_G2', data: {} });
    clock.advance(DAY);
    await worker.drain();
    expect(receivedAt('/gone')).toHaveLength(1);
  });

  it('an endpoint failing without a success for 5 days is disabled and a webhook_endpoint.disabled event recorded', async () => {
    receiver.answer = (d) => (d.path === '/flaky' ? 502 : 200);
    const flaky = await addEndpoint('/flaky');
    await addEndpoint('/watcher', { eventTypes: ['webhook_endpoint.disabled'] });
    await record({ type: 'connection.updated', connectionId: 'conn_1', data: {} });
    await worker.drain();
    clock.advance(3 * DAY);
    await record({ type: 'connection.updated', connectionId: 'conn_2', data: {} });
    await worker.drain();
    expect((await api('GET', `/v2/webhooks/endpoints/${flaky.id}`)).body.enabled).toBe(true);
    clock.advance(2 * DAY);
    await worker.drain();
    const endpoint = (await api('GET', `/v2/webhooks/endpoints/${flaky.id}`)).body;
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/5 days/) });
    const disabledEvents = (await api('GET', '/v2/webhooks/messages?eventType=webhook_endpoint.disabled')).body.list;
    expect(disabledEvents[0].payload.data).toMatchObject({ endpoint: { id: flaky.id }, reason: 'failing' });
    expect(receivedAt('/watcher').map((d) => d.payload.data.reason)).toEqual(['failing']);
    expect((await api('GET', '/v2/webhooks/messages?status=pending')).body.list).toEqual([]);

    // Re-enabling starts a fresh run: one more failure does not disable it again.
    await api('PATCH', `/v2/webhooks/endpoints/${flaky.id}`, { enabled: true });
    await record({ type: 'connection.updated', connectionId: 'conn_3', data: {} });
    await worker.drain();
    expect((await api('GET', `/v2/webhooks/endpoints/${flaky.id}`)).body.enabled).toBe(true);
  });

  it('a success ends the failure run', async () => {
    let failing = true;
    receiver.answer = () => (failing ? 500 : 200);
    const endpoint = await addEndpoint('/recovering');
    await record({ type: 'connection.updated', connectionId: 'conn_R', data: {} });
    await worker.drain();
    expect((await api('GET', `/v2/webhooks/endpoints/${endpoint.id}`)).body.failingSince).not.toBeNull();
    failing = false;
    clock.advance(5 * SECOND);
    await worker.drain();
    expect((await api('GET', `/v2/webhooks/endpoints/${endpoint.id}`)).body.failingSince).toBeNull();
  });

  it('replaying a message sends it again with the same webhook-id', async () => {
    const endpoint = await addEndpoint('/replay');
    const messageId = await record({ type: 'connection.created', connectionId: 'conn_P', data: { n: 1 } });
    await worker.drain();
    expect(receivedAt('/replay')).toHaveLength(1);
    const replayed = await api('POST', `/v2/webhooks/messages/${messageId}/replay`);
    expect(replayed.status).toBe(202);
    expect(replayed.body).toEqual({ replayed: 1 });
    await worker.drain();
    const [first, second] = receivedAt('/replay');
    expect(second.webhookId).toBe(first.webhookId);
    expect(second.body).toBe(first.body);
    expect(verifiesWith(endpoint.secret, second)).toBe(true);
    const message = (await api('GET', `/v2/webhooks/messages/${messageId}`)).body;
    expect(message.deliveries).toHaveLength(2);
    expect(message.status).toBe('succeeded');
    const toOne = await api('POST', `/v2/webhooks/messages/${messageId}/replay`, { endpointId: endpoint.id });
    expect(toOne.body).toEqual({ replayed: 1 });
    await worker.drain();
    expect(receivedAt('/replay')).toHaveLength(3);
  });

  it('replay-failed sends again every message since a time whose delivery finally failed, and nothing else', async () => {
    let down = true;
    receiver.answer = () => (down ? 500 : 200);
    const endpoint = await addEndpoint('/down');
    const old = await record({ type: 'connection.updated', connectionId: 'conn_old', data: {} });
    clock.advance(MINUTE);
    const since = clock.now().toISOString();
    const failedIds = [
      await record({ type: 'connection.updated', connectionId: 'conn_X', data: {} }),
      await record({ type: 'connection.expired', connectionId: 'conn_Y', data: {} }),
    ];
    await worker.drain();
    for (const delay of RETRY_DELAYS_MS.slice(1)) {
      clock.advance(delay);
      await worker.drain();
    }
    expect((await api('GET', '/v2/webhooks/messages?status=failed')).body.list).toHaveLength(3);
    down = false;
    receiver.received.length = 0;
    const res = await api('POST', '/v2/webhooks/messages/replay-failed', { since, endpointId: endpoint.id });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ replayed: 2 });
    await worker.drain();
    expect(receiver.received.map((d) => d.webhookId).sort()).toEqual([...failedIds].sort());
    expect((await api('GET', `/v2/webhooks/messages/${old}`)).body.status).toBe('failed');
    for (const id of failedIds) expect((await api('GET', `/v2/webhooks/messages/${id}`)).body.status).toBe('succeeded');
    expect((await api('POST', '/v2/webhooks/messages/replay-failed', { since })).body).toEqual({ replayed: 0 });
  });

  it('after a rotation deliveries verify with either secret for 24 hours, then only with the new one', async () => {
    const endpoint = await addEndpoint('/rotating');
    const rotated = (await api('POST', `/v2/webhooks/endpoints/${endpoint.id}/secret/rotate`)).body;
    await record({ type: 'connection.updated', connectionId: 'conn_S', data: {} });
    await worker.drain();
    const [during] = receivedAt('/rotating');
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiesWith(endpoint.secret, during)).toBe(true);
    expect(verifiesWith(rotated.key, during)).toBe(true);

    clock.advance(DAY + 1);
    await record({ type: 'connection.updated', connectionId: 'conn_S', data: {} });
    await worker.drain();
    const [, after] = receivedAt('/rotating');
    expect(verifiesWith(rotated.key, after)).toBe(true);
    expect(verifiesWith(endpoint.secret, after)).toBe(false);
    expect((await api('GET', `/v2/webhooks/endpoints/${endpoint.id}`)).body.previousSecretExpiresAt).toBeNull();
  });

  it('a worker under production rules refuses to deliver to an address that is (or now resolves) private', async () => {
    const literal = await addEndpoint('/literal');
    const byName = await api('POST', '/v2/webhooks/endpoints', { url: `${receiver.url.replace('127.0.0.1', 'localhost')}/by-name` });
    const messageId = await record({ type: 'connection.updated', connectionId: 'conn_U', data: {} });
    const strictCtx = { ...t.service.ctx, config: { ...t.service.ctx.config, allowPrivateWebhookUrls: false } };
    const strict = createWebhookWorker(strictCtx);
    try {
      await strict.drain();
    } finally {
      await strict.stop();
    }
    expect(receiver.received).toEqual([]);
    const attempts = (await api('GET', `/v2/webhooks/messages/${messageId}/attempts`)).body.list;
    const errorOf = (endpointId: string) => attempts.filter((a: { endpointId: string }) => a.endpointId === endpointId).map((a: { error: string }) => a.error);
    expect(errorOf(literal.id)[0]).toMatch(/private, loopback or link-local/);
    expect(errorOf(byName.body.id)[0]).toMatch(/non-public address/);
  });
});
