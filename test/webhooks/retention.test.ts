// Webhook log retention: the retention worker prunes messages older than OFCONNECT_WEBHOOK_LOG_RETENTION_DAYS with
// their deliveries and attempts, on the project's clock, and never a message that still has a delivery pending.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/platform/db/sql.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createRetentionWorker } from '../../src/retention/worker.ts';
import { importConnection } from '../access/access-fixture.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { releaseAll } from '../support/cleanup.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const DAY_MS = 86_400_000;

interface Delivery {
  status: string;
  attemptCount: number;
}

describe.each(BACKENDS)('webhooks: delivery log retention (%s)', (backend) => {
  let t: TestService;
  let receiver: Receiver;
  beforeAll(async () => {
    [t, receiver] = await Promise.all([startTestService(backend), startReceiver()]);
  });
  afterAll(() => releaseAll(() => receiver?.close(), () => t?.close()));

  /** An org with one endpoint at `url` and one event (its connection's import); resolves with that message's id. */
  async function orgWithMessage(name: string, url: string): Promise<{ key: string; messageId: string }> {
    const key = (await createKey(t.database.handle, await createOrg(t.database.handle, name))).secret;
    expect((await call(t.url, 'POST', '/v2/webhooks/endpoints', { key, body: { url } })).status).toBe(201);
    await importConnection(t, { key });
    const messageId = await eventually(async () => (await call(t.url, 'GET', '/v2/webhooks/messages', { key })).body.list?.[0]?.id as string | undefined, {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: `${name}'s message`,
    });
    return { key, messageId };
  }

  async function deliveriesOf(key: string, messageId: string): Promise<Delivery[] | null> {
    const res = await call(t.url, 'GET', `/v2/webhooks/messages/${messageId}`, { key });
    return res.status === 404 ? null : (res.body.deliveries as Delivery[]);
  }

  async function rowsFor(table: 'webhook_attempts' | 'webhook_deliveries', messageId: string): Promise<number> {
    const result = await t.database.handle.db.execute(sql`select count(*)::int as n from ${sql.identifier(table)} where message_id = ${messageId}`);
    return rowsOf<{ n: number }>(result)[0].n;
  }

  it('prunes a delivered message past the retention with its deliveries and attempts; keeps it before, and keeps a pending one', async () => {
    receiver.answer = () => 200;
    const delivered = await orgWithMessage('Retention delivered', `${receiver.url}/ok`);
    // Nothing listens on port 9: the delivery fails and waits for its retry, pending.
    const pending = await orgWithMessage('Retention pending', 'http://127.0.0.1:9/hook');
    await eventually(async () => (await deliveriesOf(delivered.key, delivered.messageId))?.every((d) => d.status === 'succeeded'), {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the delivered message',
    });
    await eventually(async () => (await deliveriesOf(pending.key, pending.messageId))?.every((d) => d.status === 'pending' && d.attemptCount >= 1), {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'a failed first attempt of the pending message',
    });
    expect(await rowsFor('webhook_attempts', delivered.messageId)).toBeGreaterThan(0);

    // 30 days (the default) are not up yet: nothing goes.
    const clock = new ManualClock(Date.now() + 29 * DAY_MS);
    const worker = createRetentionWorker(t.service.ctx, { clock, batchSize: 1 });
    expect((await worker.runDue()).webhook_log).toBe(0);
    expect(await deliveriesOf(delivered.key, delivered.messageId)).not.toBeNull();

    // Past them (and past the task's interval): the delivered message goes with what hangs off it; the pending stays.
    clock.advance(2 * DAY_MS);
    expect((await worker.runDue()).webhook_log).toBeGreaterThanOrEqual(1);
    expect(await deliveriesOf(delivered.key, delivered.messageId)).toBeNull();
    expect(await rowsFor('webhook_attempts', delivered.messageId)).toBe(0);
    expect(await rowsFor('webhook_deliveries', delivered.messageId)).toBe(0);
    expect((await call(t.url, 'GET', `/v2/webhooks/messages/${delivered.messageId}/attempts`, { key: delivered.key })).status).toBe(404);
    const kept = await deliveriesOf(pending.key, pending.messageId);
    expect(kept?.map((d) => d.status)).toEqual(['pending']);
    expect(await rowsFor('webhook_attempts', pending.messageId)).toBeGreaterThan(0);
  });
});
