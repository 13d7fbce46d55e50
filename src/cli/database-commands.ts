// `ofconnect migrate` and `ofconnect vault rotate`: the database's schema and its encrypted secrets.
import { loadConfig } from '../platform/config.ts';
import { withDatabaseForWriting } from './database.ts';

export async function migrateCommand(): Promise<void> {
  await withDatabaseForWriting('a running node has already applied its migrations', async (database) => {
    console.log(`migrations applied (${database.kind})`);
  });
}

export async function rotateVaultCommand(): Promise<void> {
  const config = loadConfig();
  const { createVault, loadOrCreateLocalVaultKeys, parseVaultKeys } = await import('../platform/vault.ts');
  const { rotateVaultBlobs } = await import('../vault-rotation.ts');
  await withDatabaseForWriting('POST /v2/vault/rotate with an admin key, once per org', async (database) => {
    const vault = createVault(config.vaultKeys ? parseVaultKeys(config.vaultKeys) : loadOrCreateLocalVaultKeys(config.dataDir).keys);
    const report = await rotateVaultBlobs(database.db, vault);
    console.log(
      `re-encrypted under key ${report.keyId}: ${report.connectionSessions} session(s), ${report.reloginCredentials} stored credential(s), ` +
        `${report.proxyUrls} proxy URL(s), ${report.webhookSecrets} webhook secret(s)`,
    );
  });
}
