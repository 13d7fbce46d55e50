// Re-encrypting every stored session under the vault's newest key. Row by row with compare-and-swap, so it runs
// while the service serves traffic: readers decrypt with whichever key a blob names.
import type { Executor } from '../platform/db/database.ts';
import type { Vault } from '../platform/vault.ts';
import { reencryptSessionBlob } from './session-vault.ts';
import { replaceSessionBlob, sessionBlobsNotUnderKey } from './store.ts';

export async function reencryptConnectionSessions(db: Executor, vault: Vault, options: { orgId?: string; batchSize?: number } = {}): Promise<number> {
  let rotated = 0;
  for (;;) {
    const batch = await sessionBlobsNotUnderKey(db, vault.currentKeyId, options.batchSize ?? 200, options.orgId);
    if (batch.length === 0) return rotated;
    for (const row of batch) {
      const next = reencryptSessionBlob(vault, row.connectionId, row.blob);
      if (await replaceSessionBlob(db, row.connectionId, row.blob, next)) rotated++;
    }
  }
}
