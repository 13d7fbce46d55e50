// Org settings: OFAuth's account settings (Vault+ defaults, same shape as its SDK) plus ofconnect's org defaults
// (connection permissions per environment, pacing, credential storage). Stored as JSON on the org row, holding
// only what the org chose; reads fill in defaults.
// PATCH /v2/account/settings is updateOrgSettings: merge, store and audit in one transaction.
import type { ServiceContext } from '../platform/context.ts';
import type { Environment } from '../platform/environment.ts';
import { badRequest, notFound } from '../platform/errors.ts';
import type { ActingScope, TenantScope } from '../platform/tenant-scope.ts';
import { recordAuditEntry } from './audit.ts';
import { defaultConnectionPermissionsFor, READ_CONNECTION_PERMISSIONS, unknownPermissions } from './permissions.ts';
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

/** The org-wide settings, the same in both environments. */
export interface OrgSettings {
  vaultPlus: { autoEnableForNewConnections: boolean; defaultSettings: VaultPlusSettings };
  /** Access API pacing per connection; a connection's own override wins (ofconnect extension). */
  pacing: PacingSettings;
  /** Keep the password (encrypted) after a Link login so expired sessions can be renewed (ofconnect extension). */
  storeCredentialsForRelogin: boolean;
  /** Relay the connections' OnlyFans live channel as webhook events (ofconnect extension; src/realtime). */
  realtime: { enabled: boolean };
}

/** What GET /v2/account/settings shows a key: the org's settings plus its environment's connection default. */
export interface OrgSettingsView extends OrgSettings {
  /** Permissions a connection gets when import or a client app names none (ofconnect extension; per environment). */
  defaultConnectionPermissions: string[];
}

export interface OrgSettingsPatch {
  vaultPlus?: { applyToExistingConnections?: boolean; autoEnableForNewConnections?: boolean; defaultSettings?: Partial<VaultPlusSettings> };
  defaultConnectionPermissions?: string[];
  pacing?: Partial<PacingSettings>;
  storeCredentialsForRelogin?: boolean;
  realtime?: { enabled?: boolean };
}

/**
 * The org row's settings JSON: only what the org chose, so a default changed in a later release reaches every org
 * that never chose otherwise. Rows written before that hold a full snapshot, which reads the same way.
 */
interface StoredOrgSettings {
  vaultPlus?: { autoEnableForNewConnections?: boolean; defaultSettings?: Partial<VaultPlusSettings> };
  pacing?: Partial<PacingSettings>;
  storeCredentialsForRelogin?: boolean;
  realtime?: { enabled?: boolean };
  /** The connection default each environment's keys chose. */
  connectionPermissionsByEnvironment?: Partial<Record<Environment, string[]>>;
  /**
   * Before per-environment defaults: one list for both, and every PATCH stored the then-default (every `:read`)
   * there whether or not it was asked for. That exact list is therefore read as "never chosen"; any other list was
   * a choice and still applies to both environments until the environment's keys choose again.
   */
  defaultConnectionPermissions?: string[];
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
  pacing: { requestsPerMinute: 60, burst: 90, concurrency: 2 },
  storeCredentialsForRelogin: false,
  realtime: { enabled: false },
};

/** Stored JSON → full org-wide settings: every group merged over its defaults. */
export function readOrgSettings(stored: Record<string, unknown> | null | undefined): OrgSettings {
  const chosen = (stored ?? {}) as StoredOrgSettings;
  return {
    vaultPlus: {
      autoEnableForNewConnections: chosen.vaultPlus?.autoEnableForNewConnections ?? DEFAULT_ORG_SETTINGS.vaultPlus.autoEnableForNewConnections,
      defaultSettings: { ...DEFAULT_ORG_SETTINGS.vaultPlus.defaultSettings, ...(chosen.vaultPlus?.defaultSettings ?? {}) },
    },
    pacing: { ...DEFAULT_ORG_SETTINGS.pacing, ...(chosen.pacing ?? {}) },
    storeCredentialsForRelogin: chosen.storeCredentialsForRelogin ?? DEFAULT_ORG_SETTINGS.storeCredentialsForRelogin,
    realtime: { enabled: chosen.realtime?.enabled ?? DEFAULT_ORG_SETTINGS.realtime.enabled },
  };
}

/** The permissions a new connection of this environment gets when its request names none (import, client apps). */
export function readDefaultConnectionPermissions(stored: Record<string, unknown> | null | undefined, environment: Environment): string[] {
  const chosen = (stored ?? {}) as StoredOrgSettings;
  const forEnvironment = chosen.connectionPermissionsByEnvironment?.[environment];
  if (forEnvironment) return [...forEnvironment];
  const legacy = chosen.defaultConnectionPermissions;
  if (legacy && !isSameSet(legacy, READ_CONNECTION_PERMISSIONS)) return [...legacy];
  return defaultConnectionPermissionsFor(environment);
}

function isSameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

/** The stored JSON after a PATCH from a key of `environment`: only the fields asked for change. */
function storedAfterPatch(stored: StoredOrgSettings, patch: OrgSettingsPatch, environment: Environment): StoredOrgSettings {
  const next: StoredOrgSettings = { ...stored };
  if (patch.vaultPlus) {
    const { applyToExistingConnections: _notStored, defaultSettings, ...flags } = patch.vaultPlus;
    next.vaultPlus = {
      ...stored.vaultPlus,
      ...flags,
      ...(defaultSettings ? { defaultSettings: { ...stored.vaultPlus?.defaultSettings, ...defaultSettings } } : {}),
    };
  }
  if (patch.pacing) next.pacing = { ...stored.pacing, ...patch.pacing };
  if (patch.storeCredentialsForRelogin !== undefined) next.storeCredentialsForRelogin = patch.storeCredentialsForRelogin;
  if (patch.realtime?.enabled !== undefined) next.realtime = { ...stored.realtime, enabled: patch.realtime.enabled };
  if (patch.defaultConnectionPermissions) {
    next.connectionPermissionsByEnvironment = { ...stored.connectionPermissionsByEnvironment, [environment]: [...patch.defaultConnectionPermissions] };
  }
  return next;
}

function viewOf(stored: Record<string, unknown> | null | undefined, environment: Environment): OrgSettingsView {
  return { ...readOrgSettings(stored), defaultConnectionPermissions: readDefaultConnectionPermissions(stored, environment) };
}

/** The PATCH reply: the settings as GET shows them, plus broadcastResult when it was asked for. */
export interface OrgSettingsUpdate extends OrgSettingsView {
  /** What applyToExistingConnections changed; present only when it was asked for. */
  broadcastResult?: { affectedConnections: number; purgeResults: Array<{ connectionId: string; freedBytes: number; purgedCount: number }> };
}

/** The org's settings with every default filled in, as the key's environment sees them (GET /v2/account/settings). */
export async function getOrgSettings(ctx: ServiceContext, scope: TenantScope): Promise<OrgSettingsView> {
  const org = await store.findOrg(ctx.database.db, scope.orgId);
  return viewOf(org?.settings, scope.environment);
}

/**
 * PATCH /v2/account/settings: the patch merged over the stored settings; the audit entry names the fields, not
 * values. `defaultConnectionPermissions` is the calling key's environment's (a sandbox key cannot widen live).
 */
export async function updateOrgSettings(ctx: ServiceContext, scope: ActingScope, patch: OrgSettingsPatch): Promise<OrgSettingsUpdate> {
  const unknown = unknownPermissions(patch.defaultConnectionPermissions ?? []);
  if (unknown.length) throw badRequest(`Unknown permission(s): ${unknown.join(', ')}`, 'defaultConnectionPermissions', { unknown });
  return ctx.database.db.transaction(async (tx) => {
    const org = await store.findOrg(tx, scope.orgId);
    if (!org) throw notFound('Organization');
    const next = storedAfterPatch((org.settings ?? {}) as StoredOrgSettings, patch, scope.environment);
    await store.updateOrgSettingsRow(tx, org.id, next as Record<string, unknown>, ctx.clock.now());
    const data = { fields: Object.keys(patch), ...(patch.defaultConnectionPermissions ? { environment: scope.environment } : {}) };
    await recordAuditEntry(tx, { orgId: org.id, environment: null, actor: scope.actor, action: 'settings.updated', data });
    const settings = viewOf(next as Record<string, unknown>, scope.environment);
    // Vault+ storage is not built yet, so applying defaults to existing connections affects none of them.
    if (!patch.vaultPlus?.applyToExistingConnections) return settings;
    return { ...settings, broadcastResult: { affectedConnections: 0, purgeResults: [] } };
  });
}
