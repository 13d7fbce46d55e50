// Re-encrypting connections' stored secrets (sessions, re-login credentials, proxy URLs) under the vault's newest
// key. Row by row with compare-and-swap, so it runs while the service serves traffic: readers decrypt with
// whichever key a blob names.
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { reencryptBlob, type Vault } from '../platform/vault.ts';
import { connectionSessions, connections } from './tables.ts';

const sessionAad = (id: string) => `connection-session:${id}`;
const credentialsAad = (id: string) => `connection-credentials:${id}`;
const proxyAad = (id: string) => `connection-proxy:${id}`;

export interface ConnectionsRotationReport {
  sessions: number;
  credentials: number;
  proxyUrls: number;
}

export async function reencryptConnectionSecrets(db: Executor, vault: Vault, options: { orgId?: string } = {}): Promise<ConnectionsRotationReport> {
  const report: ConnectionsRotationReport = { sessions: 0, credentials: 0, proxyUrls: 0 };
  const current = `v1.${vault.currentKeyId}.%`;
  const inOrg = options.orgId ? eq(connectionSessions.orgId, options.orgId) : undefined;

  const sessions = await db
    .select({ id: connectionSessions.connectionId, blob: connectionSessions.blob, credentials: connectionSessions.credentialsBlob })
    .from(connectionSessions)
    .where(and(inOrg, sql`(${connectionSessions.blob} not like ${current} or ${connectionSessions.credentialsBlob} not like ${current})`));
  for (const row of sessions) {
    const blob = reencryptBlob(vault, row.blob, sessionAad(row.id));
    if (blob) {
      const swapped = await db
        .update(connectionSessions)
        .set({ blob, keyId: vault.currentKeyId })
        .where(and(eq(connectionSessions.connectionId, row.id), eq(connectionSessions.blob, row.blob)))
        .returning({ id: connectionSessions.connectionId });
      report.sessions += swapped.length;
    }
    const credentials = row.credentials ? reencryptBlob(vault, row.credentials, credentialsAad(row.id)) : null;
    if (credentials) {
      const swapped = await db
        .update(connectionSessions)
        .set({ credentialsBlob: credentials })
        .where(and(eq(connectionSessions.connectionId, row.id), eq(connectionSessions.credentialsBlob, row.credentials!)))
        .returning({ id: connectionSessions.connectionId });
      report.credentials += swapped.length;
    }
  }

  const withProxy = await db
    .select({ id: connections.id, settings: connections.settings })
    .from(connections)
    .where(
      and(
        options.orgId ? eq(connections.orgId, options.orgId) : undefined,
        isNotNull(sql`${connections.settings} -> 'proxy' ->> 'urlBlob'`),
        sql`${connections.settings} -> 'proxy' ->> 'urlBlob' not like ${current}`,
      ),
    );
  for (const row of withProxy) {
    const proxy = (row.settings.proxy ?? {}) as { urlBlob: string };
    const urlBlob = reencryptBlob(vault, proxy.urlBlob, proxyAad(row.id));
    if (!urlBlob) continue;
    const swapped = await db
      .update(connections)
      .set({ settings: sql`jsonb_set(${connections.settings}, '{proxy,urlBlob}', to_jsonb(${urlBlob}::text))` })
      .where(and(eq(connections.id, row.id), sql`${connections.settings} -> 'proxy' ->> 'urlBlob' = ${proxy.urlBlob}`))
      .returning({ id: connections.id });
    report.proxyUrls += swapped.length;
  }
  return report;
}
