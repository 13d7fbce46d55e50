// Org settings: OFAuth's account settings (Vault+ defaults, same shape as its SDK) plus ofconnect's org defaults
// (connection permissions, pacing, credential storage). Stored as JSON on the org row; reads fill in defaults.
// PATCH /v2/account/settings is updateOrgSettings: merge, store and audit in one transaction.
import type { ServiceContext } from '../platform/context.ts';
import { notFound } from '../platform/errors.ts';
import type { ActingScope } from '../platform/tenant-scope.ts';
import { recordAuditEntry } from './audit.ts';
import { DEFAULT_CONNECTION_PERMISSIONS } from './permissions.ts';
import * as store from './store.ts';

export interface VaultPlusSettings {
  accessExpiryDays: number;
  autoCacheMessages: boolean;
  autoCachePosts: boolean;
  autoCacheStories: boolean;
  autoCacheVault: boolean;
  cacheAudio: boolean;
  cacheImages: boolean;
  cacheVideos: boolean;
  imageQualities: string[];
  minAccessCountMessages: number;
  minAccessCountPosts: number;
  minAccessCountStories: number;
  minAccessCountVault: number;
  presignedUrlTtlSeconds: number;
  retentionDays: number;
  storageLimitBytes: number;
  storageLimitPurgeStrategy: string;
  videoQualities: string[];
}

export interface PacingSettings {
  requestsPerMinute: number;
  burst: number;
  concurrency: number;
}

export interface OrgSettings {
  vaultPlus: { autoEnableForNewConnections: boolean; defaultSettings: VaultPlusSettings };
  /** Permissions a connection gets when import or Link does not name any (ofconnect extension). */
  defaultConnectionPermissions: string[];
  /** Access API pacing per connection; a connection's own override wins (ofconnect extension). */
  pacing: PacingSettings;
  /** Keep the password (encrypted) after a Link login so expired sessions can be renewed (ofconnect extension). */
  storeCredentialsForRelogin: boolean;
}

export interface OrgSettingsPatch {
  vaultPlus?: { applyToExistingConnections?: boolean; autoEnableForNewConnections?: boolean; defaultSettings?: Partial<VaultPlusSettings> };
  defaultConnectionPermissions?: string[];
  pacing?: Partial<PacingSettings>;
  storeCredentialsForRelogin?: boolean;
}

export const DEFAULT_VAULT_PLUS_SETTINGS: VaultPlusSettings = {
  accessExpiryDays: 30,
  autoCacheMessages: false,
  autoCachePosts: false,
  autoCacheStories: false,
  autoCacheVault: false,
  cacheAudio: true,
  cacheImages: true,
  cacheVideos: true,
  imageQualities: ['thumb', 'preview', 'full'],
  minAccessCountMessages: 1,
  minAccessCountPosts: 1,
  minAccessCountStories: 1,
  minAccessCountVault: 1,
  presignedUrlTtlSeconds: 3600,
  retentionDays: 30,
  storageLimitBytes: 10 * 1024 ** 3,
  storageLimitPurgeStrategy: 'purge_oldest',
  videoQualities: ['preview', '720p'],
};

export const DEFAULT_ORG_SETTINGS: OrgSettings = {
  vaultPlus: { autoEnableForNewConnections: false, defaultSettings: DEFAULT_VAULT_PLUS_SETTINGS },
  defaultConnectionPermissions: DEFAULT_CONNECTION_PERMISSIONS,
  pacing: { requestsPerMinute: 60, burst: 90, concurrency: 2 },
  storeCredentialsForRelogin: false,
};

/** Stored JSON → full settings: every group merged over its defaults. */
export function readOrgSettings(stored: Record<string, unknown> | null | undefined): OrgSettings {
  return mergeOrgSettings(DEFAULT_ORG_SETTINGS, (stored ?? {}) as OrgSettingsPatch);
}

export function mergeOrgSettings(current: OrgSettings, patch: OrgSettingsPatch): OrgSettings {
  return {
    vaultPlus: {
      autoEnableForNewConnections: patch.vaultPlus?.autoEnableForNewConnections ?? current.vaultPlus.autoEnableForNewConnections,
      defaultSettings: { ...current.vaultPlus.defaultSettings, ...(patch.vaultPlus?.defaultSettings ?? {}) },
    },
    defaultConnectionPermissions: patch.defaultConnectionPermissions ?? current.defaultConnectionPermissions,
    pacing: { ...current.pacing, ...(patch.pacing ?? {}) },
    storeCredentialsForRelogin: patch.storeCredentialsForRelogin ?? current.storeCredentialsForRelogin,
  };
}

export interface OrgSettingsUpdate {
  settings: OrgSettings;
  /** What applyToExistingConnections changed; present only when it was asked for. */
  broadcastResult?: { affectedConnections: number; purgeResults: Array<{ connectionId: string; freedBytes: number; purgedCount: number }> };
}

/** The org's settings with every default filled in (GET /v2/account/settings). */
export async function getOrgSettings(ctx: ServiceContext, orgId: string): Promise<OrgSettings> {
  const org = await store.findOrg(ctx.database.db, orgId);
  return readOrgSettings(org?.settings);
}

/** PATCH /v2/account/settings: the patch merged over the stored settings; the audit entry names the fields, not values. */
export async function updateOrgSettings(ctx: ServiceContext, scope: ActingScope, patch: OrgSettingsPatch): Promise<OrgSettingsUpdate> {
  return ctx.database.db.transaction(async (tx) => {
    const org = await store.findOrg(tx, scope.orgId);
    if (!org) throw notFound('Organization');
    const next = mergeOrgSettings(readOrgSettings(org.settings), patch);
    await store.updateOrgSettingsRow(tx, org.id, next as unknown as Record<string, unknown>, ctx.clock.now());
    await recordAuditEntry(tx, { orgId: org.id, actor: scope.actor, action: 'settings.updated', data: { fields: Object.keys(patch) } });
    // Vault+ storage is not built yet, so applying defaults to existing connections affects none of them.
    if (!patch.vaultPlus?.applyToExistingConnections) return { settings: next };
    return { settings: next, broadcastResult: { affectedConnections: 0, purgeResults: [] } };
  });
}
