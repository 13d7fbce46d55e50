// The realtime relay end to end: the simulator's websocket and control API as the upstream, a real service and
// webhook worker, a real receiver, relays started with test-sized timings.
import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { call } from '../support/service.ts';
import { verifiesWith } from '../webhooks/receiver.ts';
import { createRealtimeConnection, fanActs, useRealtimeService, waitForSockets } from './realtime-setup.ts';

/** issue #21: a fan's message reaches the webhook endpoint and the stream within a second. */
const WITHIN_MS = 1000;

describe.each(BACKENDS)('realtime relay (%s)', (backend) => {
  const rt = useRealtimeService(backend);

  it('a fan message made through the control API reaches the webhook endpoint as realtime.chat_message.received and activity.message.received, and the event stream, within a second', async () => {
    const { t, receiver } = rt;
    const org = await rt.realtimeOrg('/message');
    const conn = await createRealtimeConnection(t, org.orgId);
    const stream = await rt.openStream('', org.key);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    rt.relay();
    const [socket] = await waitForSockets(t, [conn.userId]);
    // Opened where /users/me pointed (no fixed shard), with the session's user agent and the browser's origin.
    const upstream = t.service.ctx.upstreams.forEnvironment('sandbox');
    const me = await upstream.request<{ wsUrl: string }>(conn.session, { method: 'GET', path: '/users/me' });
    expect(socket.path).toBe(new URL(me.body.wsUrl).pathname);
    expect(socket.userAgent).toBe(conn.session.userAgent);
    expect(socket.origin).toBe('https://onlyfans.com');

    const sentAt = Date.now();
    const acted = await fanActs(t, { kind: 'message', email: conn.email, text: 'hello from a fan' });
    expect(acted.sockets).toBe(1);
    await receiver.waitFor((r) => r.filter((d) => d.path === '/message').length >= 2, WORKER_PROGRESS_TIMEOUT_MS);
    const seen = await eventually(() => {
      const types = stream.events.map((e) => e.event);
      return types.includes('realtime.chat_message.received') && types.includes('activity.message.received') ? stream.events : null;
    }, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, intervalMs: 5, what: 'both events on the stream' });
    const delivered = rt.deliveredTo('/message');
    const raw = delivered.find((d) => d.payload.type === 'realtime.chat_message.received')!;
    const named = delivered.find((d) => d.payload.type === 'activity.message.received')!;
    const streamed = seen.find((e) => e.event === 'realtime.chat_message.received')!;
    const streamedNamed = seen.find((e) => e.event === 'activity.message.received')!;
    const latencies = { webhook: raw.receivedAt - sentAt, namedWebhook: named.receivedAt - sentAt, stream: streamed.receivedAt - sentAt, namedStream: streamedNamed.receivedAt - sentAt };
    console.info(`realtime (${backend}): control call → receipt, ms: ${JSON.stringify(latencies)}`);
    for (const ms of Object.values(latencies)) expect(ms).toBeLessThan(WITHIN_MS);

    expect(raw.payload.data).toMatchObject({
      connection: { id: conn.row.id, clientReferenceId: conn.row.clientReferenceId },
      environment: 'sandbox',
      eventBody: { id: acted.messageId, fromUser: { id: acted.fanId }, isTip: false },
    });
    expect(raw.payload.data.eventBody.text).toContain('hello from a fan');
    expect(named.payload.data.eventBody).toMatchObject({ messageId: String(acted.messageId), chatId: String(acted.fanId), fan: { id: String(acted.fanId) } });
    expect(verifiesWith(org.endpointSecret, raw)).toBe(true);
    expect(streamed.data.data.eventBody.id).toBe(acted.messageId);
    expect(streamed.data.messageId).toBe(raw.webhookId);
    // The counters frame that followed went to no endpoint and not to the stream (typing and counters only when asked for).
    expect(delivered.map((d) => d.payload.type)).not.toContain('realtime.inbox_counts.updated');
    expect(stream.events.map((e) => e.event)).not.toContain('realtime.inbox_counts.updated');

    // The message is in the chat as the REST API shows it.
    const messages = await upstream.request<{ list: Array<{ id: number; text: string }> }>(conn.session, { method: 'GET', path: `/chats/${acted.fanId}/messages?limit=10` });
    expect(messages.body.list.map((m) => m.id)).toContain(acted.messageId);
  });

  it('a tip, a subscribe (three frames: one activity.subscriber.new), a delete, a post and typing each make their events; typing and counters only where asked', async () => {
    const { t, receiver } = rt;
    const org = await rt.realtimeOrg('/named');
    const explicit = await call(t.url, 'POST', '/v2/webhooks/endpoints', {
      key: org.key,
      body: { url: `${receiver.url}/typing`, eventTypes: ['realtime.chat_typing.updated', 'realtime.inbox_counts.updated'] },
    });
    expect(explicit.status).toBe(201);
    const conn = await createRealtimeConnection(t, org.orgId);
    rt.relay();
    await waitForSockets(t, [conn.userId]);

    const tip = await fanActs(t, { kind: 'tip', email: conn.email, amount: 25, text: 'for you' });
    const sub = await fanActs(t, { kind: 'subscribe', email: conn.email, fanId: tip.fanId });
    expect(sub.frames).toBe(3);
    const message = await fanActs(t, { kind: 'message', email: conn.email, fanId: tip.fanId, text: 'to be unsent' });
    await fanActs(t, { kind: 'delete', email: conn.email, fanId: tip.fanId, messageId: message.messageId });
    await fanActs(t, { kind: 'post', email: conn.email });
    await fanActs(t, { kind: 'typing', email: conn.email, fanId: tip.fanId });

    const named = () => rt.deliveredTo('/named').map((d) => d.payload.type);
    await receiver.waitFor(() => ['activity.tip.received', 'activity.subscriber.new', 'activity.message.deleted', 'activity.post.published'].every((type) => named().includes(type)), WORKER_PROGRESS_TIMEOUT_MS);
    await receiver.waitFor((r) => r.some((d) => d.path === '/typing' && d.payload.type === 'realtime.chat_typing.updated'), WORKER_PROGRESS_TIMEOUT_MS);
    const body = (type: string) => rt.deliveredTo('/named').find((d) => d.payload.type === type)?.payload.data.eventBody;
    expect(body('activity.tip.received')).toMatchObject({ amount: 25, currency: 'USD', note: 'for you', source: 'chat', fan: { id: String(tip.fanId) } });
    expect(body('activity.subscriber.new')).toMatchObject({ fan: { id: String(tip.fanId) } });
    expect(body('activity.message.deleted')).toEqual({ messageId: String(message.messageId) });
    expect(body('realtime.chat_message.deleted')).toEqual({ id: String(message.messageId) });
    expect(body('activity.post.published')).toMatchObject({ userId: conn.userId });
    for (const type of ['realtime.subscription.created', 'realtime.system_message.received', 'realtime.toasts.received', 'realtime.post.published']) {
      expect(named()).toContain(type);
    }
    // One subscriber event for the subscribe's three frames; no typing or counters at the endpoint that takes every
    // event, while the endpoint that lists them gets them (and nothing else).
    expect(named().filter((type) => type === 'activity.subscriber.new')).toHaveLength(1);
    expect(named()).not.toContain('realtime.chat_typing.updated');
    expect(named()).not.toContain('realtime.inbox_counts.updated');
    const explicitTypes = rt.deliveredTo('/typing').map((d) => d.payload.type);
    expect(explicitTypes).toContain('realtime.inbox_counts.updated');
    expect(new Set(explicitTypes)).toEqual(new Set(['realtime.chat_typing.updated', 'realtime.inbox_counts.updated']));
    expect(rt.deliveredTo('/typing').find((d) => d.payload.type === 'realtime.chat_typing.updated')?.payload.data.eventBody).toEqual({ id: tip.fanId });
  });
});
