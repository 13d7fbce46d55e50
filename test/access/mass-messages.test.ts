// Mass messages through the managed endpoints against the simulator: a scheduled one through its whole life (queue,
// read, list, replace, cancel), an immediate one landing in a fan's chat, and the body's validation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { MassMessageQueueItem, MassMessageReply, MassMessagesReply } from '../../src/access/endpoints/mass-messages.ts';
import { ChatMessagesReply } from '../../src/access/endpoints/chats.ts';
import { BACKENDS } from '../support/databases.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { access, importConnection, messageableFanId } from './access-fixture.ts';

function expectShape(schema: TSchema, body: unknown): void {
  const first = [...Value.Errors(schema, body)][0];
  expect(first ? `${first.instancePath}: ${first.message}` : 'ok').toBe('ok');
}

describe.each(BACKENDS)('access: mass messages against the simulator (%s)', (backend) => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  /** Fans who can receive a mass message (the simulator, like OnlyFans, leaves out those who blocked the account). */
  async function recipients(connectionId: string, count: number): Promise<number[]> {
    const fans = await access(t, connectionId, 'GET', '/v2/access/subscribers?type=active&limit=50');
    expect(fans.status).toBe(200);
    const ids = (fans.body.list as Array<{ id: number; isBlocked: boolean }>).filter((f) => !f.isBlocked).map((f) => f.id);
    expect(ids.length).toBeGreaterThanOrEqual(count);
    return ids.slice(0, count);
  }

  it('a scheduled one is queued, read, listed, replaced and cancelled, and never reaches the fans', async () => {
    const conn = await importConnection(t);
    const call = (method: string, path: string, body?: unknown) => access(t, conn.id, method, path, body === undefined ? {} : { body });
    const fans = await recipients(conn.id, 3);
    const at = new Date(Date.now() + 2 * 86_400_000).toISOString();

    const created = await call('POST', '/v2/access/mass-messages', { text: 'See you tomorrow', userIds: fans, scheduledDate: at });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expectShape(MassMessageQueueItem, created.body);
    expect(created.body).toMatchObject({ isDone: false, total: 3, pending: 3 });
    const id = created.body.id;

    const read = await call('GET', `/v2/access/mass-messages/${id}`);
    expect(read.status).toBe(200);
    expectShape(MassMessageReply, read.body);
    expect(read.body).toMatchObject({ id, text: expect.stringContaining('See you tomorrow'), fromUser: { id: Number(conn.session.userId) } });

    const list = await call('GET', '/v2/access/mass-messages?limit=5');
    expect(list.status).toBe(200);
    expectShape(MassMessagesReply, list.body);
    expect(list.body.list[0]).toMatchObject({ id, isDone: false });

    const replaced = await call('PUT', `/v2/access/mass-messages/${id}`, { text: 'See you the day after', userIds: fans.slice(0, 2), scheduledDate: at });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expectShape(MassMessageQueueItem, replaced.body);
    expect(replaced.body).toMatchObject({ id, total: 2, isDone: false });
    expect((await call('GET', `/v2/access/mass-messages/${id}`)).body.text).toContain('See you the day after');

    const deleted = await call('DELETE', `/v2/access/mass-messages/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.success).toBe(true);
    expect((await call('GET', `/v2/access/mass-messages/${id}`)).body).toMatchObject({ id, isCanceled: true });

    // The simulator's state: nothing of it reached a fan's chat.
    const chat = await call('GET', `/v2/access/chats/${fans[0]}/messages?limit=10`);
    expect(chat.status).toBe(200);
    expect(chat.body.list.some((m: { queueId?: number }) => m.queueId === id)).toBe(false);
  });

  it('an immediate one is delivered at once: it is the newest message of the fan\'s chat, from the queue', async () => {
    const conn = await importConnection(t);
    const fanId = await messageableFanId(t, conn.id);
    const created = await access(t, conn.id, 'POST', '/v2/access/mass-messages', { body: { text: 'Hello to all of you', userIds: [fanId] } });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({ isDone: true, total: 1, pending: 0 });

    const chat = await access(t, conn.id, 'GET', `/v2/access/chats/${fanId}/messages?limit=1`);
    expect(chat.status).toBe(200);
    expectShape(ChatMessagesReply, chat.body);
    expect(chat.body.list[0]).toMatchObject({ text: expect.stringContaining('Hello to all of you'), isFromQueue: true, queueId: created.body.id });
    expect((await access(t, conn.id, 'GET', `/v2/access/mass-messages/${created.body.id}`)).body).toMatchObject({ isDone: true, sentCount: 1 });
  });

  it('subscribedAfterDate (ISO 8601) keeps only the fans who subscribed since then', async () => {
    const conn = await importConnection(t);
    const fans = (await access(t, conn.id, 'GET', '/v2/access/subscribers?type=all&limit=100')).body.list as Array<{ isBlocked: boolean; subscription: { subscribedAt: string | null } }>;
    const dated = fans.filter((f) => f.subscription.subscribedAt !== null).sort((a, b) => Date.parse(b.subscription.subscribedAt!) - Date.parse(a.subscription.subscribedAt!));
    expect(dated.length).toBeGreaterThan(4);
    const cutoff = new Date(Date.parse(dated[4].subscription.subscribedAt!)).toISOString();
    const newer = dated.filter((f) => !f.isBlocked && Date.parse(f.subscription.subscribedAt!) >= Date.parse(cutoff));
    const sent = await access(t, conn.id, 'POST', '/v2/access/mass-messages', { body: { text: 'New fans only', userLists: ['fans'], subscribedAfterDate: cutoff } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.total).toBe(newer.length);
  });

  it('a body outside the schema is a 400 before any upstream call: unknown fields, non-ISO dates, a bad id', async () => {
    const conn = await importConnection(t);
    const post = (body: unknown) => access(t, conn.id, 'POST', '/v2/access/mass-messages', { body });
    expect((await post({ text: 'x', userIds: [1], mediaFiles: [1] })).status).toBe(400);
    expect((await post({ text: 'x', userIds: [1], scheduledDate: 'tomorrow' })).status).toBe(400);
    expect((await post({ text: 'x', userIds: [1], subscribedAfterDate: '2026-13-45' })).status).toBe(400);
    expect((await post({ text: 'x', price: -1, userIds: [1] })).status).toBe(400);
    expect((await access(t, conn.id, 'GET', '/v2/access/mass-messages/abc')).status).toBe(400);
    expect((await access(t, conn.id, 'GET', '/v2/access/mass-messages/999999999')).status).toBe(404);
  });
});
