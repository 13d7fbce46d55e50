// GET /v2/realtime/events: a Server-Sent Events stream resumable with Last-Event-ID (nothing missed, nothing
// repeated), the same events as JSON pages, and scoped to the key's org (another org's stream and pages see none).
import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { recordFrame } from '../../src/realtime/record-frame.ts';
import { lockRealtimeEventOrder } from '../../src/realtime/store.ts';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/platform/db/sql.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call } from '../support/service.ts';
import { createRealtimeConnection, fanActs, useRealtimeService, waitForSockets } from './realtime-setup.ts';

const MESSAGES = '?types=realtime.chat_message.received';

describe.each(BACKENDS)('realtime event stream (%s)', (backend) => {
  const rt = useRealtimeService(backend);

  it('a stream reconnecting with Last-Event-ID gets every event sent while it was away, none twice, in order; the JSON pages agree', async () => {
    const { t, receiver } = rt;
    const org = await rt.realtimeOrg('/resume', ['realtime.chat_message.received']);
    const conn = await createRealtimeConnection(t, org.orgId);
    rt.relay();
    await waitForSockets(t, [conn.userId]);
    const stream = await rt.openStream(MESSAGES, org.key);
    const sent: number[] = [];
    for (let i = 0; i < 3; i++) sent.push((await fanActs(t, { kind: 'message', email: conn.email, text: `part one ${i}` })).messageId!);
    await eventually(() => stream.events.length >= 3, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'three events on the stream' });
    // Messages keep coming while the client drops and reconnects: the ones during the drop come on the resumed stream.
    const inFlight = (async () => {
      for (let i = 0; i < 3; i++) sent.push((await fanActs(t, { kind: 'message', email: conn.email, text: `part two ${i}` })).messageId!);
    })();
    await stream.close();
    const resumeFrom = stream.events.at(-1)!.id;
    await inFlight;
    for (let i = 0; i < 2; i++) sent.push((await fanActs(t, { kind: 'message', email: conn.email, text: `part three ${i}` })).messageId!);
    await receiver.waitFor((r) => r.filter((d) => d.path === '/resume').length >= sent.length, WORKER_PROGRESS_TIMEOUT_MS);
    const resumed = await rt.openStream(MESSAGES, org.key, { 'last-event-id': resumeFrom });
    await eventually(() => stream.events.length + resumed.events.length >= sent.length, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'every event across the two streams' });
    // One more after the resume: the resumed stream carries on live.
    sent.push((await fanActs(t, { kind: 'message', email: conn.email, text: 'live again' })).messageId!);
    await eventually(() => stream.events.length + resumed.events.length >= sent.length, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the live event on the resumed stream' });
    const all = [...stream.events, ...resumed.events];
    expect(all.map((e) => e.data.data.eventBody.id)).toEqual(sent);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(all.map((e) => Number(e.id))).toEqual(all.map((e) => Number(e.id)).sort((a, b) => a - b));

    // JSON mode pages the same events from the start, and from a position.
    const page = await call(t.url, 'GET', `/v2/realtime/events?lastEventId=0&types=realtime.chat_message.received&connectionId=${conn.row.id}`, { key: org.key });
    expect(page.status).toBe(200);
    expect(page.body.list.map((e: any) => e.payload.data.eventBody.id)).toEqual(sent);
    expect(page.body.list.map((e: any) => e.id)).toEqual(all.map((e) => e.id));
    expect(page.body.lastEventId).toBe(all.at(-1)!.id);
    const rest = await call(t.url, 'GET', `/v2/realtime/events?lastEventId=${resumeFrom}&types=realtime.chat_message.received`, { key: org.key });
    expect(rest.body.list.map((e: any) => e.id)).toEqual(resumed.events.map((e) => e.id));
    const unknownType = await call(t.url, 'GET', '/v2/realtime/events?types=realtime.nope', { key: org.key });
    expect(unknownType.status).toBe(400);
  });

  it('another org\'s key never sees these events: not on its stream (even resuming from 0), not in its pages, not when filtering by the connection', async () => {
    const { t } = rt;
    const org = await rt.realtimeOrg('/isolated', ['realtime.chat_message.received']);
    const conn = await createRealtimeConnection(t, org.orgId);
    const other = await rt.realtimeOrg('/other', ['realtime.chat_message.received']);
    const otherConn = await createRealtimeConnection(t, other.orgId);
    const mine = await rt.openStream('', org.key);
    const theirs = await rt.openStream('', other.key, { 'last-event-id': '0' });
    expect(theirs.status).toBe(200);
    rt.relay();
    await waitForSockets(t, [conn.userId, otherConn.userId]);
    const tip = await fanActs(t, { kind: 'tip', email: conn.email, amount: 5 });
    expect(tip.sockets).toBe(1);
    await eventually(() => mine.events.some((e) => e.event === 'activity.tip.received'), { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the tip on the org\'s own stream' });
    expect(mine.events.find((e) => e.event === 'activity.tip.received')?.data.data.connection.id).toBe(conn.row.id);
    // The other org's own message, recorded after the tip: once its stream has it, it has read past the tip's events.
    const marker = await fanActs(t, { kind: 'message', email: otherConn.email, text: 'the other org\'s own' });
    await eventually(() => theirs.events.some((e) => e.data.data.eventBody.id === marker.messageId), { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the other org\'s own message on its stream' });
    expect(new Set(theirs.events.map((e) => e.data.data.connection.id))).toEqual(new Set([otherConn.row.id]));
    expect(mine.events.map((e) => e.data.data.connection.id)).not.toContain(otherConn.row.id);
    const page = await call(t.url, 'GET', '/v2/realtime/events?lastEventId=0', { key: other.key });
    expect(new Set(page.body.list.map((e: any) => e.payload.data.connection.id))).toEqual(new Set([otherConn.row.id]));
    const filtered = await call(t.url, 'GET', `/v2/realtime/events?lastEventId=0&connectionId=${conn.row.id}`, { key: other.key });
    expect(filtered.status).toBe(200);
    expect(filtered.body.list).toEqual([]);
    // A key of an org with no realtime at all sees nothing either.
    const bystander = (await createKey(t.database.handle, await createOrg(t.database.handle, 'Bystander org'), 'sandbox')).secret;
    expect((await call(t.url, 'GET', '/v2/realtime/events?lastEventId=0', { key: bystander })).body.list).toEqual([]);
  });

  // Only PostgreSQL runs transactions side by side (PGlite has one connection, so they are serial anyway).
  it.runIf(backend === 'postgres')('an event whose transaction commits after a later one\'s is still streamed: realtime events commit in the order of their ids', async () => {
    const { t } = rt;
    const org = await rt.realtimeOrg('/order', ['realtime.chat_message.received']);
    const conn = await createRealtimeConnection(t, org.orgId);
    rt.relay();
    await waitForSockets(t, [conn.userId]);
    const stream = await rt.openStream('', org.key);
    // Another worker's recording transaction draws its id first and commits last.
    let commit!: () => void;
    const held = new Promise<void>((resolve) => (commit = resolve));
    let drawn!: () => void;
    const hasDrawn = new Promise<void>((resolve) => (drawn = resolve));
    const connection = { id: conn.row.id, orgId: org.orgId, environment: 'sandbox' as const, clientReferenceId: null, platformUserId: conn.userId };
    const slow = t.database.handle.db.transaction(async (tx) => {
      await lockRealtimeEventOrder(tx);
      const frame = { slow_frame_kind: { n: 1 } };
      const ids = await recordFrame(tx, connection, JSON.stringify(frame), frame, new Date());
      drawn();
      await held;
      return ids;
    });
    await hasDrawn;
    const acted = await fanActs(t, { kind: 'message', email: conn.email, text: 'recorded after the slow one drew its id' });
    expect(acted.sockets).toBe(1);
    // The relay's transaction waits for the lock (or, without it, commits its later ids first and the stream reads
    // past the slow one's id).
    await eventually(async () => {
      if (stream.events.some((e) => e.data.data.eventBody.id === acted.messageId)) return true;
      const waiting = await t.database.handle.db.execute(sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`);
      return rowsOf<{ n: number }>(waiting)[0].n > 0;
    }, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the relay recording (or waiting to)' });
    commit();
    const [slowId] = await slow;
    const marker = await fanActs(t, { kind: 'message', email: conn.email, text: 'marker' });
    await eventually(() => stream.events.some((e) => e.event === 'realtime.chat_message.received' && e.data.data.eventBody.id === marker.messageId), {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS,
      what: 'the marker on the stream',
    });
    const messageIds = stream.events.map((e) => e.data.messageId);
    expect(messageIds).toContain(slowId);
    expect(stream.events.findIndex((e) => e.data.messageId === slowId)).toBeLessThan(stream.events.findIndex((e) => e.data.data.eventBody.id === acted.messageId));
  });
});
