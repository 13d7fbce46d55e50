// The start-up canary of the vault key ring: before a node reports ready, it proves that its keys decrypt what the
// database holds (the newest blob of each key id in use), so a wrong OFCONNECT_VAULT_KEYS refuses to start, naming
// the key ids, instead of serving 500s on every Access call. Beside vault-rotation.ts: the same stored secrets.
import { sql } from 'drizzle-orm';
import type { Executor } from './platform/db/database.ts';
import { rowsOf } from './platform/db/sql.ts';
import { keyRingProblem, type Vault, type VaultSample } from './platform/vault.ts';

// The associated data each blob is bound to, as its writers set it (connections/vault-rotation.ts and
// webhooks/vault-rotation.ts keep theirs private; a mismatch here would refuse a correct key, which the start tests
// would catch).
const SOURCES = [
  {
    what: 'a connection session',
    keyIds: sql`select split_part(blob, '.', 2) as key_id from connection_sessions`,
    newest: (keyId: string) =>
      sql`select connection_id as id, blob from connection_sessions where split_part(blob, '.', 2) = ${keyId} order by updated_at desc limit 1`,
    aad: (id: string) => `connection-session:${id}`,
  },
  {
    what: 'a stored re-login credential',
    keyIds: sql`select split_part(credentials_blob, '.', 2) as key_id from connection_sessions where credentials_blob is not null`,
    newest: (keyId: string) =>
      sql`select connection_id as id, credentials_blob as blob from connection_sessions where split_part(credentials_blob, '.', 2) = ${keyId} order by updated_at desc limit 1`,
    aad: (id: string) => `connection-credentials:${id}`,
  },
  {
    what: 'a connection proxy URL',
    keyIds: sql`select split_part(settings -> 'proxy' ->> 'urlBlob', '.', 2) as key_id from connections where settings -> 'proxy' ->> 'urlBlob' is not null`,
    newest: (keyId: string) =>
      sql`select id, settings -> 'proxy' ->> 'urlBlob' as blob from connections where split_part(settings -> 'proxy' ->> 'urlBlob', '.', 2) = ${keyId} order by updated_at desc limit 1`,
    aad: (id: string) => `connection-proxy:${id}`,
  },
  {
    what: 'a webhook endpoint secret',
    keyIds: sql`select split_part(secret_blob, '.', 2) as key_id from webhook_endpoints`,
    newest: (keyId: string) =>
      sql`select id, secret_blob as blob from webhook_endpoints where split_part(secret_blob, '.', 2) = ${keyId} order by updated_at desc limit 1`,
    aad: (id: string) => `webhook_endpoint:${id}`,
  },
] as const;

/** Why the vault cannot read the stored secrets (a message naming the key ids), or null when it can. */
export async function checkVaultCanary(db: Executor, vault: Vault): Promise<string | null> {
  const blobsByKeyId = new Map<string, number>();
  const samples: VaultSample[] = [];
  for (const source of SOURCES) {
    const counts = rowsOf<{ key_id: string; blobs: number | string }>(
      await db.execute(sql`select key_id, count(*) as blobs from (${source.keyIds}) used group by key_id`),
    );
    for (const { key_id: keyId, blobs } of counts) {
      blobsByKeyId.set(keyId, (blobsByKeyId.get(keyId) ?? 0) + Number(blobs));
      if (!vault.keyIds.includes(keyId)) continue;
      const [newest] = rowsOf<{ id: string; blob: string }>(await db.execute(source.newest(keyId)));
      if (newest) samples.push({ what: `${source.what} (${newest.id})`, blob: newest.blob, associatedData: source.aad(newest.id) });
    }
  }
  return keyRingProblem(vault, blobsByKeyId, samples);
}
