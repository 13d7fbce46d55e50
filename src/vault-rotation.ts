// `ofconnect vault rotate` and POST /v2/vault/rotate: re-encrypt every stored secret under the newest vault key.
// Each capability that stores encrypted material contributes its own re-encryption step here.
import { Type } from 'typebox';
import { actingScopeOf } from './account/actor.ts';
import { recordAuditEntry } from './account/audit.ts';
import type { ServiceContext } from './platform/context.ts';
import type { Executor } from './platform/db/database.ts';
import type { HttpApp } from './platform/http/http-app.ts';
import type { ActingScope } from './platform/tenant-scope.ts';
import type { Vault } from './platform/vault.ts';
import { reencryptConnectionSecrets } from './connections/vault-rotation.ts';
import { reencryptEndpointSecrets } from './webhooks/vault-rotation.ts';

// Link sessions' pending 2FA challenges are not rotated: they live at most 30 minutes, so keep the old key in the
// ring that long after rotating.
export interface VaultRotationReport {
  keyId: string;
  connectionSessions: number;
  reloginCredentials: number;
  proxyUrls: number;
  webhookSecrets: number;
}

export async function rotateVaultBlobs(db: Executor, vault: Vault, options: { orgId?: string } = {}): Promise<VaultRotationReport> {
  const connections = await reencryptConnectionSecrets(db, vault, options);
  return {
    keyId: vault.currentKeyId,
    connectionSessions: connections.sessions,
    reloginCredentials: connections.credentials,
    proxyUrls: connections.proxyUrls,
    webhookSecrets: await reencryptEndpointSecrets(db, vault, options),
  };
}

/**
 * POST /v2/vault/rotate for one org. The re-encryption swaps row by row while the service serves (no transaction
 * spans it), so the audit entry is written once it is done, with the counts.
 */
export async function rotateOrgVaultBlobs(ctx: ServiceContext, scope: ActingScope): Promise<VaultRotationReport> {
  const report = await rotateVaultBlobs(ctx.database.db, ctx.vault, { orgId: scope.orgId });
  await recordAuditEntry(ctx.database.db, { orgId: scope.orgId, environment: null, actor: scope.actor, action: 'vault.rotated', data: { ...report } });
  return report;
}

/** The same through the API, for the embedded database (whose data directory a running server holds). Org-scoped. */
export function registerVaultRoutes(app: HttpApp, ctx: ServiceContext): void {
  app.post('/v2/vault/rotate', {
    config: { scope: 'admin' },
    schema: {
      tags: ['Management'],
      summary: 'Re-encrypt this organization\'s stored secrets under the newest vault key',
      response: {
        200: Type.Object({
          keyId: Type.String(),
          connectionSessions: Type.Integer(),
          reloginCredentials: Type.Integer(),
          proxyUrls: Type.Integer(),
          webhookSecrets: Type.Integer(),
        }),
      },
    },
  }, async (request) => rotateOrgVaultBlobs(ctx, actingScopeOf(request.auth)));
}
