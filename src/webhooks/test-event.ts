// POST /v2/webhooks/endpoints/{id}/test (ofconnect extension; Svix's "send example" has the same idea): sends one
// signed example event to one endpoint through the normal pipeline. The message is recorded in the outbox with a
// single delivery, to this endpoint only (whatever event types it subscribes to), so it is signed, retried, logged in
// the attempts and replayable like any other. The envelope carries `test: true` and an example connection, so a
// receiver can tell it from a real event. Audited as webhook_endpoint.test_sent.
import { sql } from 'drizzle-orm';
import { Type, type Static } from 'typebox';
import { recordAuditEntry } from '../account/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { Executor } from '../platform/db/database.ts';
import { timestampAt } from '../platform/db/sql.ts';
import type { Environment } from '../platform/environment.ts';
import { ApiError, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { activeTraceparent } from '../platform/tracing.ts';
import type { ActingScope } from '../platform/tenant-scope.ts';
import { DELIVERIES_CHANNEL, NEW_DELIVERY_ID } from './outbox.ts';
import * as store from './store.ts';
import type { MessageWithStatus } from './store.ts';

/** The events a test can stand in for: the connection events, whose example is an invented connection. */
const TEST_EVENT_TYPES = ['connection.created', 'connection.updated', 'connection.expired', 'connection.disconnected', 'connection.expiring'] as const;
type TestEventType = (typeof TEST_EVENT_TYPES)[number];

export const SendTestEvent = Type.Object(
  {
    eventType: Type.Optional(
      Type.Union(TEST_EVENT_TYPES.map((t) => Type.Literal(t)), { description: 'The event to send an example of; default connection.created' }),
    ),
  },
  { additionalProperties: false },
);
export type SendTestEventInput = Static<typeof SendTestEvent>;

/** An example connection in the payload shapes of connections/events.ts (full form, or short for status events). */
function exampleData(type: TestEventType): Record<string, unknown> {
  const userId = '100000001';
  const isFullForm = type === 'connection.created' || type === 'connection.updated';
  const status = type === 'connection.expired' ? 'expired' : type === 'connection.disconnected' ? 'disconnected' : 'active';
  const connection = isFullForm
    ? {
        id: 'conn_test',
        platformUserId: userId,
        status,
        permissions: ['profile:read'],
        imported: false,
        userData: { id: userId, userId, name: 'Test Creator', username: 'testcreator', avatar: null },
      }
    : { id: 'conn_test', platformUserId: userId, status };
  return { clientReferenceId: 'test', connection };
}

/** The example message and its one delivery, due now (a message of its own is a queue of its own). */
async function recordTestMessage(ex: Executor, scope: { orgId: string; environment: Environment }, endpointId: string, type: TestEventType, now: Date): Promise<string> {
  const id = newId('message');
  const payload = { type, eventType: type, timestamp: now.toISOString(), live: scope.environment === 'live', test: true, data: exampleData(type) };
  await ex.execute(sql`
    with message as (
      insert into webhook_messages (id, org_id, environment, event_type, connection_id, payload, traceparent, created_at)
      values (${id}, ${scope.orgId}, ${scope.environment}, ${type}, null, ${JSON.stringify(payload)}::jsonb, ${activeTraceparent()}, ${timestampAt(now)})
      returning seq
    )
    insert into webhook_deliveries (id, org_id, message_id, endpoint_id, status, ordering_key, seq, attempt_count, next_attempt_at, created_at, updated_at)
    select ${NEW_DELIVERY_ID}, ${scope.orgId}, ${id}, ${endpointId}, 'pending', ${id}, message.seq, 0, ${timestampAt(now)}, ${timestampAt(now)}, ${timestampAt(now)}
    from message`);
  await ex.execute(sql`select pg_notify(${DELIVERIES_CHANNEL}, '')`);
  return id;
}

export async function sendTestEvent(ctx: ServiceContext, scope: ActingScope, endpointId: string, input: SendTestEventInput): Promise<MessageWithStatus> {
  const type = input.eventType ?? 'connection.created';
  const now = ctx.clock.now();
  return ctx.database.db.transaction(async (tx) => {
    const endpoint = await store.findEndpoint(tx, scope, endpointId);
    if (!endpoint) throw notFound('Webhook endpoint', endpointId);
    if (!endpoint.enabled) {
      throw new ApiError('CONFLICT', `Webhook endpoint ${endpointId} is disabled; enable it before sending it a test event`, { details: { field: 'endpointId' } });
    }
    const messageId = await recordTestMessage(tx, scope, endpoint.id, type, now);
    await recordAuditEntry(tx, {
      orgId: scope.orgId,
      environment: scope.environment,
      actor: scope.actor,
      action: 'webhook_endpoint.test_sent',
      target: endpoint.id,
      data: { messageId, eventType: type },
    });
    const message = await store.findMessage(tx, scope, messageId);
    if (!message) throw new Error(`the test message ${messageId} was not read back`);
    return message;
  });
}
