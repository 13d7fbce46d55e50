// One received frame → its events in the webhook outbox (webhooks/outbox.ts), in one transaction with the frame's
// dedupe keys: a frame another worker already recorded records nothing, and the named events of a subscribe's three
// frames are recorded once. Every event is in OFAuth's realtime envelope: data.connection, data.environment,
// data.eventBody (plus ofconnect's data.receivedAt).
import type { Executor } from '../platform/db/database.ts';
import type { Environment } from '../platform/environment.ts';
import { recordEvent } from '../webhooks/outbox.ts';
import { eventsOfFrame } from './frames.ts';
import { claimFrameKey } from './store.ts';

export interface RelayedConnection {
  id: string;
  orgId: string;
  environment: Environment;
  clientReferenceId: string | null;
  /** The account's OnlyFans user id: its own echoed messages are not a fan's. */
  platformUserId: string | null;
}

/** Records the events of one content frame; returns the message ids recorded (none when it was a duplicate). */
export async function recordFrame(
  ex: Executor,
  connection: RelayedConnection,
  text: string,
  frame: Record<string, unknown>,
  receivedAt: Date,
): Promise<string[]> {
  const [raw, ...named] = eventsOfFrame(text, frame, connection.platformUserId, receivedAt);
  if (!(await claimFrameKey(ex, connection.id, raw.key, raw.window, receivedAt))) return [];
  const data = (eventBody: unknown) => ({
    connection: { id: connection.id, clientReferenceId: connection.clientReferenceId },
    environment: connection.environment,
    receivedAt: receivedAt.toISOString(),
    eventBody,
  });
  const scope = { orgId: connection.orgId, environment: connection.environment, connectionId: connection.id };
  const ids = [await recordEvent(ex, { ...scope, type: raw.type, data: data(raw.body) }, receivedAt)];
  for (const event of named) {
    if (!(await claimFrameKey(ex, connection.id, event.key, event.window, receivedAt))) continue;
    ids.push(await recordEvent(ex, { ...scope, type: event.type, data: data(event.body) }, receivedAt));
  }
  return ids;
}
