// What Vault+'s routes and its copy worker share in one process: the storage backend (opened on first use, so a
// service that never stores media never loads the S3 client), the CDN fetcher and the proxy URL signer.
import type { ServiceContext } from '../platform/context.ts';
import { urlPolicyAllowsPrivate } from '../platform/outbound.ts';
import { createMediaFetcher, type MediaFetcher } from './fetch-media.ts';
import { createProxyUrls, type ProxyUrls } from './proxy-urls.ts';
import { openMediaStorage, type MediaStorage } from './storage/media-storage.ts';
import { addAccessCounts } from './store.ts';

const ACCESS_FLUSH_MS = 1_000;

export interface VaultPlusRuntime {
  storage(): Promise<MediaStorage>;
  /** Counts one proxy read of an item; written in batches (a write per request would cost more than the read). */
  countAccess(itemId: string): void;
  fetcher: MediaFetcher;
  urls: ProxyUrls;
  close(): Promise<void>;
}

export function createVaultPlusRuntime(ctx: ServiceContext): VaultPlusRuntime {
  let storage: Promise<MediaStorage> | null = null;
  const fetcher = createMediaFetcher({ mayProxyThroughPrivateAddresses: urlPolicyAllowsPrivate(ctx.config) });
  let pending = new Map<string, number>();
  async function flushAccessCounts(): Promise<void> {
    if (pending.size === 0) return;
    const counts = pending;
    pending = new Map();
    await addAccessCounts(ctx.database.db, counts, ctx.clock.now()).catch((error: unknown) => ctx.logger.warn({ err: error }, 'vault+ access counts not written'));
  }
  const flusher = setInterval(() => void flushAccessCounts(), ACCESS_FLUSH_MS);
  flusher.unref();
  return {
    countAccess(itemId) {
      pending.set(itemId, (pending.get(itemId) ?? 0) + 1);
    },
    storage() {
      storage ??= openMediaStorage(ctx.config);
      storage.catch(() => (storage = null));
      return storage;
    },
    fetcher,
    urls: createProxyUrls(ctx),
    async close() {
      clearInterval(flusher);
      await flushAccessCounts();
      await fetcher.close();
      if (storage) await (await storage.catch(() => null))?.close();
    },
  };
}
