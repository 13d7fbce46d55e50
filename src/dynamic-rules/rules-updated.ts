// rules.updated: when the signing rules of an environment change, every org subscribed to the event hears it once.
// Every node's rules provider notices the same change, so the event is keyed by revision and recorded only once.
import { sql } from 'drizzle-orm';
import type { ServiceContext } from '../platform/context.ts';
import type { Environment } from '../platform/environment.ts';
import { publicRules, type DynamicRules } from '../upstream/rules.ts';
import { recordBroadcastEvent, wasEventBroadcast } from '../webhooks/outbox.ts';

const RULES_EVENT_LOCK = 727_003;

export async function recordRulesUpdated(ctx: ServiceContext, environment: Environment, rules: DynamicRules): Promise<void> {
  const isAnnounced = await ctx.database.db.transaction(async (tx) => {
    // One node at a time checks and records, so two noticing the same revision cannot both announce it.
    await tx.execute(sql`select pg_advisory_xact_lock(${RULES_EVENT_LOCK})`);
    if (await wasEventBroadcast(tx, environment, 'rules.updated', { revision: rules.revision })) return false;
    await recordBroadcastEvent(tx, { environment, type: 'rules.updated', data: { rules: publicRules(rules), revision: rules.revision } }, ctx.clock.now());
    return true;
  });
  // Every node that notices logs it; only the first records the event (isAnnounced). The revision, never the rules.
  ctx.logger.info({ environment, revision: rules.revision, isAnnounced }, `dynamic rules changed (${environment}): now revision ${rules.revision}`);
}
