// The Vault+ settings one connection works under (the org's defaults with the connection's overrides), and what
// they mean for one media item: which qualities are kept, and whether media seen through Access is queued.
import { getOrgSettings, type PacingSettings, type VaultPlusSettings } from '../account/settings.ts';
import { pacingOf, vaultPlusOf } from '../connections/connection-settings.ts';
import type { ConnectionRow } from '../connections/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import type { VaultPlusMediaType, VaultPlusSource } from './tables.ts';

export interface ConnectionVaultPlus {
  enabled: boolean;
  settings: VaultPlusSettings;
  pacing: PacingSettings;
}

export async function connectionVaultPlus(ctx: ServiceContext, scope: TenantScope, row: ConnectionRow): Promise<ConnectionVaultPlus> {
  const org = await getOrgSettings(ctx, scope);
  const { enabled, overrides } = vaultPlusOf(row);
  return { enabled, settings: { ...org.vaultPlus.defaultSettings, ...overrides }, pacing: pacingOf(row, org.pacing) };
}

/** The qualities of an item the settings keep (none when its kind is not cached at all). */
export function qualitiesToStore(settings: VaultPlusSettings, type: VaultPlusMediaType): string[] {
  if (type === 'image') return settings.cacheImages ? settings.imageQualities : [];
  if (type === 'video') return settings.cacheVideos ? settings.videoQualities : [];
  return settings.cacheAudio ? ['full'] : [];
}

/** Whether media seen through Access calls from this source is queued, and after how many sightings. */
export function autoCacheRule(settings: VaultPlusSettings, source: VaultPlusSource): { isOn: boolean; minAccessCount: number } {
  switch (source) {
    case 'vault':
      return { isOn: settings.autoCacheVault, minAccessCount: settings.minAccessCountVault };
    case 'messages':
      return { isOn: settings.autoCacheMessages, minAccessCount: settings.minAccessCountMessages };
    case 'posts':
      return { isOn: settings.autoCachePosts, minAccessCount: settings.minAccessCountPosts };
    case 'stories':
      return { isOn: settings.autoCacheStories, minAccessCount: settings.minAccessCountStories };
  }
}
