// Per-connection settings: OFAuth's Vault+ flags plus ofconnect's outbound proxy (accounts are pinned to one
// egress IP), a country label and a pacing override. The proxy URL can carry credentials, so it is stored
// encrypted and shown with its password masked.
import { recordAuditEntry } from '../account/audit.ts';
import { DEFAULT_VAULT_PLUS_SETTINGS, type PacingSettings, type VaultPlusSettings } from '../account/settings.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError, notFound } from '../platform/errors.ts';
import { hostOf, hostResolutionProblem } from '../platform/outbound.ts';
import type { ActingScope } from '../platform/tenant-scope.ts';
import { parseProxyUrl } from '../upstream/http-pool.ts';
import type { UpdateConnectionSettingsInput } from './schemas.ts';
import * as store from './store.ts';
import type { ConnectionRow } from './store.ts';

interface StoredConnectionSettings {
  vaultPlus?: { enabled?: boolean; settingsOverrides?: Partial<VaultPlusSettings> | null };
  proxy?: { urlBlob?: string | null; country?: string | null };
  /** Only the fields the connection overrides; the rest follow the org's pacing. */
  pacing?: Partial<PacingSettings> | null;
  /** Opt-out of the org's realtime relay (src/realtime); absent: relayed when the org has it on. */
  realtime?: { enabled?: boolean };
}

const proxyAssociatedData = (connectionId: string) => `connection-proxy:${connectionId}`;

function maskProxyUrl(raw: string): string {
  const url = new URL(raw);
  if (url.password) url.password = '****';
  return url.toString();
}

/** The proxy URL a connection's upstream calls go through, decrypted (null: direct). */
export function proxyUrlOf(ctx: ServiceContext, row: ConnectionRow): string | null {
  const blob = (row.settings as StoredConnectionSettings).proxy?.urlBlob;
  return blob ? ctx.vault.decrypt(blob, proxyAssociatedData(row.id)) : null;
}

/**
 * The pacing a connection is held to: the org's, with whichever fields the connection overrides. A connection that
 * sets only requestsPerMinute keeps the org's burst and concurrency (not fixed defaults).
 */
export function pacingOf(row: ConnectionRow, orgPacing: PacingSettings): PacingSettings {
  const override = pacingOverrideOf(row);
  return override ? { ...orgPacing, ...override } : orgPacing;
}

/**
 * The fields a connection overrides that hold a usable number. Before input rules refused "1e309", a PATCH could
 * store Infinity, which JSON keeps as null: such a field is ignored (the org's value applies) instead of breaking
 * every call and every read of the settings.
 */
function pacingOverrideOf(row: ConnectionRow): Partial<PacingSettings> | null {
  const stored = (row.settings as StoredConnectionSettings).pacing;
  if (!stored) return null;
  const usable = Object.entries(stored).filter(([, value]) => Number.isSafeInteger(value) && (value as number) > 0);
  return usable.length > 0 ? (Object.fromEntries(usable) as Partial<PacingSettings>) : null;
}

/** The connection's Vault+ switch and the settings it overrides (the rest follow the org's defaults). */
export function vaultPlusOf(row: ConnectionRow): { enabled: boolean; overrides: Partial<VaultPlusSettings> } {
  const stored = (row.settings as StoredConnectionSettings).vaultPlus;
  return { enabled: stored?.enabled ?? false, overrides: stored?.settingsOverrides ?? {} };
}

/** What Vault+ holds for a connection, for its settings view (vault-plus/ answers it; connections/ does not read its tables). */
export interface VaultPlusUsage {
  mediaCount: number;
  storedCount: number;
  totalStorageBytes: number;
}

export function presentConnectionSettings(ctx: ServiceContext, row: ConnectionRow, usage: VaultPlusUsage = { mediaCount: 0, storedCount: 0, totalStorageBytes: 0 }) {
  const stored = row.settings as StoredConnectionSettings;
  const proxyUrl = proxyUrlOf(ctx, row);
  const enabled = stored.vaultPlus?.enabled ?? false;
  return {
    connectionId: row.id,
    vaultPlus: {
      enabled,
      settingsOverrides: stored.vaultPlus?.settingsOverrides ?? null,
      stats: statsOf(usage, stored.vaultPlus?.settingsOverrides?.storageLimitBytes ?? DEFAULT_VAULT_PLUS_SETTINGS.storageLimitBytes, enabled),
    },
    proxy: { url: proxyUrl ? maskProxyUrl(proxyUrl) : null, country: stored.proxy?.country ?? null },
    pacing: pacingOverrideOf(row),
    realtime: { enabled: stored.realtime?.enabled ?? true },
  };
}

function statsOf(usage: VaultPlusUsage, storageLimitBytes: number, enabled: boolean) {
  const percent = storageLimitBytes > 0 ? Math.min(100, Math.round((usage.totalStorageBytes / storageLimitBytes) * 10_000) / 100) : 0;
  return { ...usage, storageLimitBytes, storageUsagePercent: percent, vaultPlusEnabled: enabled };
}

/**
 * A proxy URL the service may connect through: a supported scheme, and a host the outbound address policy allows
 * (platform/outbound.ts: in production no private, loopback or link-local address, as written or as DNS resolves it
 * now; connecting checks again). A 400 naming `proxy.url` otherwise.
 */
async function checkProxyUrl(ctx: ServiceContext, raw: string): Promise<void> {
  let url: URL;
  try {
    url = parseProxyUrl(raw);
  } catch (error) {
    if (error instanceof ApiError) throw new ApiError('BAD_REQUEST', error.message.replace(/^proxyUrl/, 'proxy.url'), { details: { field: 'proxy.url' } });
    throw error;
  }
  const problem = await hostResolutionProblem(ctx.config, hostOf(url));
  if (problem) throw new ApiError('BAD_REQUEST', `proxy.url ${problem}`, { details: { field: 'proxy.url', reason: 'non_public_address' } });
}

export async function updateConnectionSettings(ctx: ServiceContext, scope: ActingScope, connectionId: string, input: UpdateConnectionSettingsInput) {
  if (input.proxy?.url) await checkProxyUrl(ctx, input.proxy.url);
  return ctx.database.db.transaction(async (tx) => {
    const row = await store.findConnectionForUpdate(tx, scope, connectionId);
    if (!row) throw notFound('Connection', connectionId);
    const current = row.settings as StoredConnectionSettings;
    const next: StoredConnectionSettings = { ...current };
    if (input.vaultPlus) {
      next.vaultPlus = {
        enabled: input.vaultPlus.enabled ?? current.vaultPlus?.enabled ?? false,
        settingsOverrides:
          input.vaultPlus.settings === undefined
            ? (current.vaultPlus?.settingsOverrides ?? null)
            : input.vaultPlus.settings === null
              ? null
              : { ...(current.vaultPlus?.settingsOverrides ?? {}), ...input.vaultPlus.settings },
      };
    }
    if (input.proxy) {
      const urlBlob =
        input.proxy.url === undefined
          ? (current.proxy?.urlBlob ?? null)
          : input.proxy.url === null
            ? null
            : ctx.vault.encrypt(input.proxy.url, proxyAssociatedData(connectionId)).blob;
      next.proxy = { urlBlob, country: input.proxy.country === undefined ? (current.proxy?.country ?? null) : input.proxy.country };
    }
    if (input.realtime?.enabled !== undefined) next.realtime = { enabled: input.realtime.enabled };
    if (input.pacing !== undefined) {
      next.pacing = input.pacing === null ? null : { ...(current.pacing ?? {}), ...input.pacing };
    }
    const updated = await store.updateConnection(tx, scope, connectionId, { settings: next as Record<string, unknown>, updatedAt: ctx.clock.now() });
    // Field names only: the proxy URL can carry a password.
    await recordAuditEntry(tx, { orgId: scope.orgId, environment: scope.environment, actor: scope.actor, action: 'connection.settings_updated', target: connectionId, data: { fields: Object.keys(input) } });
    return updated;
  });
}
