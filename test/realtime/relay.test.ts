// The realtime relay end to end: the simulator's websocket and control API as the upstream, a real service and
// webhook worker, a real receiver, relays started with test-sized timings.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { RealtimeRelay } from '../../src/realtime/relay-worker.ts';
import { startWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { expireSandboxSession } from '../support/sandbox.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startReceiver, verifiesWith, type Receiver } from '../webhooks/receiver.ts';
import {
  createRealtimeConnection,
  createRealtimeOrg,
  fanActs,
  type RealtimeConnection,
  simulatorSockets,
  startTestRelay,
  waitForSockets,
} from './realtime-setup.ts';

interface SseEvent {
  id: string;
  event: string;
  data: any;
}

/** A Server-Sent Events client: collects events until closed. */
async function openStream(url: string, key: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await request(url, { headers: { apikey: key, accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  let buffer = '';
  const reading = (async () => {
    try {
      for await (const chunk of res.body) {
        buffer += chunk.toString('utf8');
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(': ')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
          if (fields.data) events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    status: res.statusCode,
    contentType: String(res.headers['content-type']),
    events,
    async close() {
      controller.abort();
      await reading;
    },
  };
}

describe.each(BACKENDS)('realtime relay (%s)', (backend) => {
  let t: TestService;
  let receiver: Receiver;
  let webhooks: WebhookWorker;
  const relays: RealtimeRelay[] = [];
  const streams: Array<{ close(): Promise<void> }> = [];
  /** Keys of the orgs each test turned realtime on for: turned off after it, so no later test's relay holds them. */
  const orgKeys: string[] = [];

  beforeAll(async () => {
    // role api: no background workers of the service's own; each test starts the relays it needs.
    t = await startTestService(backend, { config: { role: 'api' } });
    receiver = await startReceiver();
    webhooks = await startWebhookWorker(t.service.ctx, { pollIntervalMs: 100 });
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) await s.close();
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    for (const key of orgKeys.splice(0)) await call(t.url, 'PATCH', '/v2/account/settings', { key, body: { realtime: { enabled: false } } });
  });
  afterAll(async () => {
    await webhooks?.stop();
    await t?.close();
    await receiver?.close();
  });

  const relay = (options: Parameters<typeof startTestRelay>[1] = {}) => {
    const r = startTestRelay(t.service.ctx, options);
    relays.push(r);
    return r;
  };
  const realtimeOrg = async (path: string, eventTypes?: string[]) => {
    const org = await createRealtimeOrg(t, `${receiver.url}${path}`, eventTypes);
    orgKeys.push(org.key);
    return org;
  };
  const deliveredTo = (path: string) => receiver.received.filter((d) => d.path === path);

  it('a fan message made through the control API reaches the webhook endpoint as realtime.chat_message.received and activity.message.received, and the event stream', async () => {
    const org = await realtimeOrg('/message');
    const conn = await createRealtimeConnection(t, org.orgId);
    const stream = await openStream(`${t.url}/v2/realtime/events`, org.key);
    streams.push(stream);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    relay();
    const [socket] = await waitForSockets(t, [conn.userId]);
    // Through the session's user agent and the browser's origin, as the web app opens it.
    expect(socket.userAgent).toBe(conn.session.userAgent);
    expect(socket.origin).toBe('https://onlyfans.com');

    const acted = await fanActs(t, { kind: 'message', email: conn.email, text: 'hello from a fan' });
    expect(acted.sockets).toBe(1);
    await receiver.waitFor((r) => r.filter((d) => d.path === '/message').length >= 2, WORKER_PROGRESS_TIMEOUT_MS);
    const delivered = deliveredTo('/message');
    const raw = delivered.find((d) => d.payload.type === 'realtime.chat_message.received');
    const named = delivered.find((d) => d.payload.type === 'activity.message.received');
    expect(raw?.payload.data).toMatchObject({
      connection: { id: conn.row.id, clientReferenceId: conn.row.clientReferenceId },
      environment: 'sandbox',
      eventBody: { id: acted.messageId, fromUser: { id: acted.fanId }, isTip: false },
    });
    expect(raw?.payload.data.eventBody.text).toContain('hello from a fan');
    expect(named?.payload.data.eventBody).toMatchObject({ messageId: String(acted.messageId), chatId: String(acted.fanId), fan: { id: String(acted.fanId) } });
    expect(verifiesWith(org.endpointSecret, raw!)).toBe(true);
    // The counters frame that followed went to no endpoint (typing and counters only when asked for).
    expect(delivered.map((d) => d.payload.type)).not.toContain('realtime.inbox_counts.updated');

    // The message is in the chat as the REST API shows it.
    const upstream = t.service.ctx.upstreams.forEnvironment('sandbox');
    const messages = await upstream.request<{ list: Array<{ id: number; text: string }> }>(conn.session, { method: 'GET', path: `/chats/${acted.fanId}/messages?limit=10` });
    expect(messages.body.list.map((m) => m.id)).toContain(acted.messageId);

    const seen = await eventually(() => {
      const types = stream.events.map((e) => e.event);
      return types.includes('realtime.chat_message.received') && types.includes('activity.message.received') ? stream.events : null;
    }, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'both events on the stream' });
    expect(seen.find((e) => e.event === 'realtime.chat_message.received')?.data.data.eventBody.id).toBe(acted.messageId);
  });

  it('a tip, a subscribe (three frames: one activity.subscriber.new), a delete, a post and typing each make their events; typing only where asked', async () => {
    const org = await realtimeOrg('/named');
    const typingOnly = await call(t.url, 'POST', '/v2/webhooks/endpoints', { key: org.key, body: { url: `${receiver.url}/typing`, eventTypes: ['realtime.chat_typing.updated'] } });
    expect(typingOnly.status).toBe(201);
    const conn = await createRealtimeConnection(t, org.orgId);
    relay();
    await waitForSockets(t, [conn.userId]);

    const tip = await fanActs(t, { kind: 'tip', email: conn.email, amount: 25, text: 'for you' });
    const sub = await fanActs(t, { kind: 'subscribe', email: conn.email, fanId: tip.fanId });
    expect(sub.frames).toBe(3);
    const message = await fanActs(t, { kind: 'message', email: conn.email, fanId: tip.fanId, text: 'to be unsent' });
    await fanActs(t, { kind: 'delete', email: conn.email, fanId: tip.fanId, messageId: message.messageId });
    await fanActs(t, { kind: 'post', email: conn.email });
    await fanActs(t, { kind: 'typing', email: conn.email, fanId: tip.fanId });

    const named = () => deliveredTo('/named').map((d) => d.payload.type);
    await receiver.waitFor(() => ['activity.tip.received', 'activity.subscriber.new', 'activity.message.deleted', 'activity.post.published'].every((type) => named().includes(type)), WORKER_PROGRESS_TIMEOUT_MS);
    await receiver.waitFor((r) => r.some((d) => d.path === '/typing'), WORKER_PROGRESS_TIMEOUT_MS);
    const body = (type: string) => deliveredTo('/named').find((d) => d.payload.type === type)?.payload.data.eventBody;
    expect(body('activity.tip.received')).toMatchObject({ amount: 25, currency: 'USD', note: 'for you', source: 'chat', fan: { id: String(tip.fanId) } });
    expect(body('activity.subscriber.new')).toMatchObject({ fan: { id: String(tip.fanId) } });
    expect(body('activity.message.deleted')).toEqual({ messageId: String(message.messageId) });
    expect(body('realtime.chat_message.deleted')).toEqual({ id: String(message.messageId) });
    expect(body('activity.post.published')).toMatchObject({ userId: conn.userId });
    for (const type of ['realtime.subscription.created', 'realtime.system_message.received', 'realtime.toasts.received', 'realtime.post.published']) {
      expect(named()).toContain(type);
    }
    // One subscriber event for the subscribe's three frames; no typing at the endpoint that takes every event.
    expect(named().filter((type) => type === 'activity.subscriber.new')).toHaveLength(1);
    expect(named()).not.toContain('realtime.chat_typing.updated');
    expect(deliveredTo('/typing').map((d) => d.payload.data.eventBody)).toEqual([{ id: tip.fanId }]);
  });

  it('a killed worker\'s sockets move to another worker, and no frame is delivered twice', async () => {
    const org = await realtimeOrg('/handover', ['realtime.chat_message.received']);
    const conns: RealtimeConnection[] = [];
    for (let i = 0; i < 4; i++) conns.push(await createRealtimeConnection(t, org.orgId));
    const ids = conns.map((c) => c.userId);
    const first = relay({ capacity: 2 });
    await eventually(() => first.heldConnections().length === 2, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the first worker holding two' });
    const second = relay({ capacity: 10 });
    await waitForSockets(t, ids);
    const mine = (relay: RealtimeRelay) => relay.heldConnections().filter((id) => conns.some((c) => c.row.id === id));
    expect(mine(first)).toHaveLength(2);
    expect(mine(second)).toHaveLength(2);

    const sent = new Set<number>();
    for (const conn of conns) sent.add((await fanActs(t, { kind: 'message', email: conn.email })).messageId!);
    await receiver.waitFor((r) => r.filter((d) => d.path === '/handover').length >= 4, WORKER_PROGRESS_TIMEOUT_MS);

    // The first worker dies as a process does: its sockets drop, its leases are left to run out.
    const orphaned = mine(first);
    first.abandon();
    await eventually(() => orphaned.every((id) => second.heldConnections().includes(id)), { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the second worker holding the orphaned sockets' });
    await eventually(async () => (await simulatorSockets(t)).filter((s) => ids.includes(String(s.userId))).length === 4 && mine(second).length === 4, {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS,
      what: 'four open sockets, all the second worker\'s',
    });
    for (const conn of conns) sent.add((await fanActs(t, { kind: 'message', email: conn.email })).messageId!);
    await receiver.waitFor((r) => r.filter((d) => d.path === '/handover').length >= 8, WORKER_PROGRESS_TIMEOUT_MS);
    const delivered = deliveredTo('/handover').map((d) => d.payload.data.eventBody.id);
    expect(new Set(delivered)).toEqual(sent);
    expect(delivered).toHaveLength(8);
  });

  it('an expired token recycles the socket: it goes quiet, the relay reconnects with a fresh token, and messages flow again', async () => {
    const org = await realtimeOrg('/token', ['realtime.chat_message.received']);
    const conn = await createRealtimeConnection(t, org.orgId);
    relay({ quietMs: 1500 });
    const [before] = await waitForSockets(t, [conn.userId]);
    const expired = await call(t.sandboxUrl, 'POST', '/_sandbox/realtime/tokens/expire', { body: { userId: conn.userId } });
    expect(expired.body.sockets).toBe(1);
    // Silent: the socket is open, its token no longer delivers.
    const lost = await fanActs(t, { kind: 'message', email: conn.email, text: 'lost while the token was expired' });
    expect(lost.sockets).toBe(0);
    const [after] = await waitForSockets(t, [conn.userId], 'a socket with a fresh token');
    expect(after.tokenIssuedAt > before.tokenIssuedAt).toBe(true);
    const flowing = await fanActs(t, { kind: 'message', email: conn.email, text: 'after the recycle' });
    await receiver.waitFor((r) => r.some((d) => d.path === '/token' && d.payload.data.eventBody.id === flowing.messageId), WORKER_PROGRESS_TIMEOUT_MS);
  });

  it('a dead session stops the relay and expires the connection once', async () => {
    const org = await realtimeOrg('/dead', ['connection.expired', 'realtime.chat_message.received']);
    const conn = await createRealtimeConnection(t, org.orgId);
    const r1 = relay({ quietMs: 1000 });
    const r2 = relay({ quietMs: 1000 });
    await waitForSockets(t, [conn.userId]);
    await expireSandboxSession(t.sandboxUrl, { userId: conn.userId });
    await receiver.waitFor((r) => r.some((d) => d.path === '/dead' && d.payload.type === 'connection.expired'), WORKER_PROGRESS_TIMEOUT_MS);
    const got = await call(t.url, 'GET', `/v2/account/connections/${conn.row.id}`, { key: org.key });
    expect(got.body.status).toBe('expired');
    await eventually(() => !r1.heldConnections().includes(conn.row.id) && !r2.heldConnections().includes(conn.row.id), {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS,
      what: 'no worker holding the expired connection',
    });
    // Several more sync and claim rounds: the connection stays unclaimed and expired once.
    for (let i = 0; i < 5; i++) await Promise.all([r1.tick(), r2.tick()]);
    expect(r1.heldConnections().concat(r2.heldConnections())).not.toContain(conn.row.id);
    expect(deliveredTo('/dead').filter((d) => d.payload.type === 'connection.expired')).toHaveLength(1);
  });

  it('the stream resumes after Last-Event-ID without gaps or repeats, and another org\'s key sees nothing', async () => {
    const org = await realtimeOrg('/resume', ['realtime.chat_message.received']);
    const conn = await createRealtimeConnection(t, org.orgId);
    relay();
    await waitForSockets(t, [conn.userId]);
    const stream = await openStream(`${t.url}/v2/realtime/events?types=realtime.chat_message.received`, org.key);
    streams.push(stream);
    const sent: number[] = [];
    for (let i = 0; i < 3; i++) sent.push((await fanActs(t, { kind: 'message', email: conn.email, text: `part one ${i}` })).messageId!);
    await eventually(() => stream.events.length >= 3, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'three events on the stream' });
    await stream.close();
    const resumeFrom = stream.events[2].id;
    // Sent while no stream is open.
    for (let i = 0; i < 3; i++) sent.push((await fanActs(t, { kind: 'message', email: conn.email, text: `part two ${i}` })).messageId!);
    await receiver.waitFor((r) => r.filter((d) => d.path === '/resume').length >= 6, WORKER_PROGRESS_TIMEOUT_MS);
    const resumed = await openStream(`${t.url}/v2/realtime/events?types=realtime.chat_message.received`, org.key, { 'last-event-id': resumeFrom });
    streams.push(resumed);
    await eventually(() => resumed.events.length >= 3, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the three events sent meanwhile' });
    const ids = [...stream.events, ...resumed.events].map((e) => e.data.data.eventBody.id);
    expect(ids).toEqual(sent);

    // JSON mode pages the same events from the start.
    const page = await call(t.url, 'GET', `/v2/realtime/events?lastEventId=0&types=realtime.chat_message.received&connectionId=${conn.row.id}`, { key: org.key });
    expect(page.status).toBe(200);
    expect(page.body.list.map((e: any) => e.payload.data.eventBody.id)).toEqual(sent);
    expect(page.body.lastEventId).toBe(resumed.events[2].id);

    const other = (await createKey(t.database.handle, await createOrg(t.database.handle, 'Other realtime org'), 'sandbox')).secret;
    const foreign = await call(t.url, 'GET', `/v2/realtime/events?lastEventId=0`, { key: other });
    expect(foreign.status).toBe(200);
    expect(foreign.body.list).toEqual([]);
    const filtered = await call(t.url, 'GET', `/v2/realtime/events?lastEventId=0&connectionId=${conn.row.id}`, { key: other });
    expect(filtered.body.list).toEqual([]);
    const unknownType = await call(t.url, 'GET', '/v2/realtime/events?types=realtime.nope', { key: org.key });
    expect(unknownType.status).toBe(400);
  });
});
