// Re-encrypting webhook endpoint secrets (current and, during a rotation overlap, previous) under the newest vault key.
import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { reencryptBlob, type Vault } from '../platform/vault.ts';
import { webhookEndpoints } from './tables.ts';

const aad = (endpointId: string) => `webhook_endpoint:${endpointId}`;

export async function reencryptEndpointSecrets(db: Executor, vault: Vault, options: { orgId?: string } = {}): Promise<number> {
  const current = `v1.${vault.currentKeyId}.%`;
  const rows = await db
    .select({ id: webhookEndpoints.id, secret: webhookEndpoints.secretBlob, previous: webhookEndpoints.previousSecretBlob })
    .from(webhookEndpoints)
    .where(
      and(
        options.orgId ? eq(webhookEndpoints.orgId, options.orgId) : undefined,
        sql`(${webhookEndpoints.secretBlob} not like ${current} or ${webhookEndpoints.previousSecretBlob} not like ${current})`,
      ),
    );
  let rotated = 0;
  for (const row of rows) {
    const secretBlob = reencryptBlob(vault, row.secret, aad(row.id)) ?? row.secret;
    const previousSecretBlob = row.previous ? (reencryptBlob(vault, row.previous, aad(row.id)) ?? row.previous) : null;
    const swapped = await db
      .update(webhookEndpoints)
      .set({ secretBlob, previousSecretBlob })
      .where(and(eq(webhookEndpoints.id, row.id), eq(webhookEndpoints.secretBlob, row.secret)))
      .returning({ id: webhookEndpoints.id });
    rotated += swapped.length;
  }
  return rotated;
}
