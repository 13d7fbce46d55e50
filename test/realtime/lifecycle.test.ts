// A relayed socket's life: heartbeats, a socket upstream closes reopened with a fresh token, an expired token (the
// socket stays open and silent) recycled once quiet past the threshold, a dead REST session that stops the relay
// and expires the connection once; and the relay's metrics on /metrics as each happens.
import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { expireSandboxSession } from '../support/sandbox.ts';
import { call } from '../support/service.ts';
import { createRealtimeConnection, fanActs, metricValue, readMetrics, simulatorSockets, useRealtimeService, waitForSockets } from './realtime-setup.ts';

describe.each(BACKENDS)('realtime socket lifecycle (%s)', (backend) => {
  const rt = useRealtimeService(backend);

  it('the relay sends heartbeats on the open socket, and /metrics counts its socket as held and open', async () => {
    const { t } = rt;
    const org = await rt.realtimeOrg('/heartbeat', ['realtime.chat_message.received']);
    const conn = await createRealtimeConnection(t, org.orgId);
    rt.relay({ heartbeatMs: 200 });
    await waitForSockets(t, [conn.userId]);
    await eventually(async () => ((await simulatorSockets(t)).find((s) => String(s.userId) === conn.userId)?.heartbeats ?? 0) >= 3, {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS,
      what: 'three heartbeats on the socket',
    });
    const metrics = await readMetrics(t);
    expect(metricValue(metrics, 'ofconnect_realtime_sockets_held')).toBe(1);
    expect(metricValue(metrics, 'ofconnect_realtime_sockets_open')).toBe(1);
  });

  it('a socket upstream closes is opened again with a fresh token, after a backoff, and /metrics counts the reconnect', async () => {
    const { t, receiver } = rt;
    const org = await rt.realtimeOrg('/closed', ['realtime.chat_message.received']);
    const conn = await createRealtimeConnection(t, org.orgId);
    const reconnectsBefore = metricValue(await readMetrics(t), 'ofconnect_realtime_reconnects_total', '{reason="closed"}');
    // A first backoff of 1 s (± 20 %): long against the relay's 100 ms tick, so a reconnect without one shows.
    rt.relay({ backoffBaseMs: 1000 });
    const [before] = await waitForSockets(t, [conn.userId]);
    const closedAt = Date.now();
    const closed = await call(t.sandboxUrl, 'POST', '/_sandbox/realtime/sockets/close', { body: { userId: conn.userId } });
    expect(closed.body.sockets).toBe(1);
    const after = await eventually(async () => (await simulatorSockets(t)).find((s) => String(s.userId) === conn.userId && s.tokenIssuedAt > before.tokenIssuedAt), {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS,
      what: 'a socket with a fresh token',
    });
    expect(after.isTokenValid).toBe(true);
    // The backoff before the new token was asked for.
    expect(Date.parse(after.tokenIssuedAt) - closedAt).toBeGreaterThanOrEqual(800);
    const flowing = await fanActs(t, { kind: 'message', email: conn.email, text: 'after the reconnect' });
    await receiver.waitFor((r) => r.some((d) => d.path === '/closed' && d.payload.data.eventBody.id === flowing.messageId), WORKER_PROGRESS_TIMEOUT_MS);
    expect(metricValue(await readMetrics(t), 'ofconnect_realtime_reconnects_total', '{reason="closed"}')).toBe(reconnectsBefore + 1);
  });

  it('an expired token recycles the socket: it goes quiet, the relay reconnects with a fresh token once quiet past the threshold, and messages flow again', async () => {
    const { t, receiver } = rt;
    const org = await rt.realtimeOrg('/token', ['realtime.chat_message.received']);
    const conn = await createRealtimeConnection(t, org.orgId);
    const metricsBefore = await readMetrics(t);
    const recycledBefore = metricValue(metricsBefore, 'ofconnect_realtime_sockets_recycled_total', '{reason="quiet"}');
    const framesBefore = metricValue(metricsBefore, 'ofconnect_realtime_frames_received_total');
    const quietMs = 1500;
    rt.relay({ quietMs });
    const [before] = await waitForSockets(t, [conn.userId]);
    const first = await fanActs(t, { kind: 'message', email: conn.email, text: 'before the token expired' });
    await receiver.waitFor((r) => r.some((d) => d.path === '/token' && d.payload.data.eventBody.id === first.messageId), WORKER_PROGRESS_TIMEOUT_MS);
    const expiredAt = Date.now();
    const expired = await call(t.sandboxUrl, 'POST', '/_sandbox/realtime/tokens/expire', { body: { userId: conn.userId } });
    expect(expired.body.sockets).toBe(1);
    // Silent: the socket is open, its token no longer delivers.
    const lost = await fanActs(t, { kind: 'message', email: conn.email, text: 'lost while the token was expired' });
    expect(lost.sockets).toBe(0);
    const [after] = await waitForSockets(t, [conn.userId], 'a socket with a fresh token');
    // Recycled for the quiet, not sooner (the last frame was just before the expiry).
    expect(Date.parse(after.tokenIssuedAt) - expiredAt).toBeGreaterThanOrEqual(quietMs - 500);
    expect(after.tokenIssuedAt > before.tokenIssuedAt).toBe(true);
    const flowing = await fanActs(t, { kind: 'message', email: conn.email, text: 'after the recycle' });
    await receiver.waitFor((r) => r.some((d) => d.path === '/token' && d.payload.data.eventBody.id === flowing.messageId), WORKER_PROGRESS_TIMEOUT_MS);
    const metrics = await readMetrics(t);
    expect(metricValue(metrics, 'ofconnect_realtime_sockets_recycled_total', '{reason="quiet"}')).toBe(recycledBefore + 1);
    // Two messages, each a message frame and a counters frame.
    expect(metricValue(metrics, 'ofconnect_realtime_frames_received_total')).toBe(framesBefore + 4);
  });

  it('a dead session stops the relay and expires the connection once', async () => {
    const { t, receiver } = rt;
    const org = await rt.realtimeOrg('/dead', ['connection.expired', 'realtime.chat_message.received']);
    const conn = await createRealtimeConnection(t, org.orgId);
    // Two workers, both quick to notice the silence: only one of them expires the connection.
    const r1 = rt.relay({ quietMs: 1000 });
    const r2 = rt.relay({ quietMs: 1000 });
    await waitForSockets(t, [conn.userId]);
    const profileCalls = async () =>
      (await call<{ list: Array<{ url: string; headers: Record<string, string> }> }>(t.sandboxUrl, 'GET', '/_sandbox/requests')).body.list.filter(
        (r) => r.url === '/api2/v2/users/me' && (r.headers.cookie ?? '').includes(`auth_uid_${conn.userId}=`),
      ).length;
    const callsBefore = await profileCalls();
    await expireSandboxSession(t.sandboxUrl, { userId: conn.userId });
    await receiver.waitFor((r) => r.some((d) => d.path === '/dead' && d.payload.type === 'connection.expired'), WORKER_PROGRESS_TIMEOUT_MS);
    const got = await call(t.url, 'GET', `/v2/account/connections/${conn.row.id}`, { key: org.key });
    expect(got.body.status).toBe('expired');
    await eventually(() => !r1.heldConnections().includes(conn.row.id) && !r2.heldConnections().includes(conn.row.id), {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS,
      what: 'no worker holding the expired connection',
    });
    // The relay stopped: no socket of the account is open any more.
    expect((await simulatorSockets(t)).filter((s) => String(s.userId) === conn.userId)).toEqual([]);
    // Several more sync and claim rounds: the connection stays unclaimed and expired once.
    for (let i = 0; i < 5; i++) await Promise.all([r1.tick(), r2.tick()]);
    expect(r1.heldConnections().concat(r2.heldConnections())).not.toContain(conn.row.id);
    // One /users/me call found the session dead; the relay did not go on asking.
    expect((await profileCalls()) - callsBefore).toBe(1);
    const webhookExpiries = rt.deliveredTo('/dead').filter((d) => d.payload.type === 'connection.expired');
    expect(webhookExpiries).toHaveLength(1);
    expect(webhookExpiries[0].payload.data.connection).toMatchObject({ id: conn.row.id, status: 'expired' });
  });
});
