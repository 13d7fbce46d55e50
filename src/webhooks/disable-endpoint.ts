// Turning off an endpoint that cannot take deliveries (410 Gone, or failing for days): its pending deliveries end
// as failed, and the org hears about it through its other endpoints.
import type { Executor } from '../platform/db/database.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { recordEvent } from './outbox.ts';
import * as store from './store.ts';

export type AutomaticDisableReason = 'gone' | 'failing';

const REASON_TEXT: Record<AutomaticDisableReason, string> = {
  gone: 'The endpoint answered 410 Gone',
  failing: 'Every delivery to the endpoint failed for 5 days',
};

/** Returns false when the endpoint was already disabled (another worker got there first): no second event. */
export async function disableFailingEndpoint(
  ex: Executor,
  scope: TenantScope,
  endpointId: string,
  reason: AutomaticDisableReason,
  now: Date,
): Promise<boolean> {
  const disabled = await store.disableEndpointRow(ex, scope, endpointId, REASON_TEXT[reason], now);
  if (!disabled) return false;
  await store.failPendingDeliveriesOf(ex, scope, endpointId, now);
  await recordEvent(
    ex,
    {
      orgId: disabled.orgId,
      environment: disabled.environment,
      type: 'webhook_endpoint.disabled',
      data: {
        endpoint: { id: disabled.id, url: disabled.url, description: disabled.description },
        reason,
        message: REASON_TEXT[reason],
        failingSince: disabled.failingSince?.toISOString() ?? null,
      },
    },
    now,
  );
  return true;
}
