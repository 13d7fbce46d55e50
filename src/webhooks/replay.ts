// Replay: send a message again with its original webhook-id (receivers deduplicate on it), to one endpoint or to
// every endpoint that takes it; or send again everything that finally failed since a time.
import type { ServiceContext } from '../platform/context.ts';
import { ApiError, notFound } from '../platform/errors.ts';
import * as store from './store.ts';
import type { Scope } from './store.ts';

export async function replayMessage(ctx: ServiceContext, scope: Scope, messageId: string, endpointId?: string): Promise<number> {
  const now = ctx.clock.now();
  return ctx.database.db.transaction(async (tx) => {
    const message = await store.findMessage(tx, scope, messageId);
    if (!message) throw notFound('Webhook message', messageId);
    let targets: string[];
    if (endpointId) {
      const endpoint = await store.findEndpoint(tx, scope, endpointId);
      if (!endpoint) throw notFound('Webhook endpoint', endpointId);
      if (!endpoint.enabled) throw new ApiError('CONFLICT', `Webhook endpoint ${endpointId} is disabled; enable it before replaying to it`);
      targets = [endpoint.id];
    } else {
      targets = await store.subscribedEndpointIds(tx, scope, message.eventType);
    }
    return store.replayMessageTo(tx, message, targets, now);
  });
}

export async function replayFailedMessages(ctx: ServiceContext, scope: Scope, since: Date, endpointId?: string): Promise<number> {
  const now = ctx.clock.now();
  return ctx.database.db.transaction(async (tx) => {
    if (endpointId && !(await store.findEndpoint(tx, scope, endpointId))) throw notFound('Webhook endpoint', endpointId);
    return store.replayFailedSince(tx, scope, since, endpointId ?? null, now);
  });
}
