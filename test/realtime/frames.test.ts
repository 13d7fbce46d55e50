// Frames → events: which events a frame makes (pure), and that a frame recorded by two workers at once, or the
// several frames of one subscribe, make their events once (the dedupe keys, on both databases).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { eventsOfFrame, parseFrame } from '../../src/realtime/frames.ts';
import { recordFrame, type RelayedConnection } from '../../src/realtime/record-frame.ts';
import { rowsOf } from '../../src/platform/db/sql.ts';
import { newId } from '../../src/platform/ids.ts';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { createOrg } from '../support/orgs.ts';

const AT = new Date('2026-11-30T12:00:00Z');
const chatMessage = (id: number, fromId: number, extra: Record<string, unknown> = {}) => ({
  api2_chat_message: { id, text: '<p>hi</p>', price: 0, isTip: false, fromUser: { id: fromId }, createdAt: AT.toISOString(), ...extra },
});
const subscribeFrames = (fanId: number) => [
  { subscribed: { user: { id: fanId, username: `u${fanId}`, name: 'Fan' }, timestamp: 1_796_000_000 } },
  { new_message: { id: '77', type: 'subscribed', subType: 'new_subscriber', user_id: String(fanId), user: { id: fanId } }, hasSystemNotifications: true },
  { toasts: [{ id: 9, type: 'subscribed', data: { code: 'new_subscriber', relatedUser: { id: fanId, name: 'Fan', username: `u${fanId}` } } }] },
];

describe('frames → events', () => {
  const types = (frame: Record<string, unknown>, account = '500') => eventsOfFrame(JSON.stringify(frame), frame, account, AT).map((e) => e.type);

  it('a fan\'s chat message makes realtime.chat_message.received (the message unwrapped) and activity.message.received', () => {
    const frame = chatMessage(3_100_000_000_001, 42);
    const [raw, named] = eventsOfFrame(JSON.stringify(frame), frame, '500', AT);
    expect(raw).toMatchObject({ type: 'realtime.chat_message.received', body: frame.api2_chat_message, window: 'once' });
    expect(named).toMatchObject({ type: 'activity.message.received', body: { messageId: '3100000000001', chatId: '42', fan: { id: '42' } } });
  });

  it('a tip carries its amount (tipAmount, or price in older frames); the account\'s own echoed message makes no activity', () => {
    const tip = eventsOfFrame('t', chatMessage(1, 42, { isTip: true, tipAmount: 12.5, tipText: 'thanks' }), '500', AT)[1];
    expect(tip).toMatchObject({ type: 'activity.tip.received', body: { amount: 12.5, note: 'thanks', currency: 'USD', source: 'chat' } });
    expect(eventsOfFrame('t', chatMessage(2, 42, { isTip: true, price: 7 }), '500', AT)[1].body).toMatchObject({ amount: 7 });
    expect(types(chatMessage(3, 500))).toEqual(['realtime.chat_message.received']);
  });

  it('counters, typing, deletes, posts and unknown kinds map by their first known key; socket frames are not events', () => {
    expect(types({ chat_messages: 3, count_priority_chat: 0, unread_tips: 1 })).toEqual(['realtime.inbox_counts.updated']);
    expect(types({ typing: { id: 42 } })).toEqual(['realtime.chat_typing.updated']);
    expect(types({ chat_message_delete: '123' })).toEqual(['realtime.chat_message.deleted', 'activity.message.deleted']);
    expect(types({ post_published: { id: '9', user_id: '500', show_posts_in_feed: true } })).toEqual(['realtime.post.published', 'activity.post.published']);
    expect(types({ stream_tips: { id: 5, amount: 10, from_user: { id: 42 } }, tips_count: 3 })).toEqual(['realtime.stream_tip.received', 'activity.tip.received']);
    expect(types({ brand_new_kind: { x: 1 } })).toEqual(['realtime.other.received']);
    expect(parseFrame('{"connected":true,"v":"5.4.0"}').kind).toBe('control');
    expect(parseFrame('{"online":[]}').kind).toBe('control');
    expect(parseFrame('not json').kind).toBe('garbled');
  });

  it('the three frames of a subscribe each name the same subscriber key', () => {
    const keys = subscribeFrames(42).flatMap((f) => eventsOfFrame(JSON.stringify(f), f, '500', AT).filter((e) => e.type === 'activity.subscriber.new').map((e) => e.key));
    expect(keys).toEqual(['subscriber:42', 'subscriber:42', 'subscriber:42']);
  });
});

describe.each(BACKENDS)('recording frames once (%s)', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    await database.handle.migrate();
  });
  afterAll(async () => database?.drop());

  async function connectionOfNewOrg(): Promise<RelayedConnection> {
    return { id: newId('connection'), orgId: await createOrg(database.handle, 'Frames org'), environment: 'sandbox', clientReferenceId: null, platformUserId: '500' };
  }
  const record = (connection: RelayedConnection, frame: Record<string, unknown>, at = AT) =>
    database.handle.db.transaction((tx) => recordFrame(tx, connection, JSON.stringify(frame), frame, at));
  async function typesRecorded(connection: RelayedConnection): Promise<string[]> {
    const result = await database.handle.db.execute(sql`select event_type from webhook_messages where connection_id = ${connection.id} order by seq`);
    return rowsOf<{ event_type: string }>(result).map((r) => r.event_type);
  }

  it('the same frame recorded by two workers at once makes its events once', async () => {
    const connection = await connectionOfNewOrg();
    const frame = chatMessage(3_100_000_000_002, 42);
    const [a, b] = await Promise.all([record(connection, frame), record(connection, frame)]);
    expect([a.length, b.length].sort()).toEqual([0, 2]);
    // Again later, by a worker that took the socket over and got the frame again: still nothing.
    expect(await record(connection, frame, new Date(AT.getTime() + 60_000))).toEqual([]);
    expect(await typesRecorded(connection)).toEqual(['realtime.chat_message.received', 'activity.message.received']);
  });

  it('a subscribe\'s three frames make three realtime events and one activity.subscriber.new', async () => {
    const connection = await connectionOfNewOrg();
    for (const frame of subscribeFrames(43)) await record(connection, frame);
    expect(await typesRecorded(connection)).toEqual([
      'realtime.subscription.created',
      'activity.subscriber.new',
      'realtime.system_message.received',
      'realtime.toasts.received',
    ]);
  });

  it('a typing frame repeated within seconds is one event; after the window it is another', async () => {
    const connection = await connectionOfNewOrg();
    await record(connection, { typing: { id: 42 } });
    await record(connection, { typing: { id: 42 } }, new Date(AT.getTime() + 2000));
    await record(connection, { typing: { id: 42 } }, new Date(AT.getTime() + 10_000));
    expect(await typesRecorded(connection)).toEqual(['realtime.chat_typing.updated', 'realtime.chat_typing.updated']);
  });
});
