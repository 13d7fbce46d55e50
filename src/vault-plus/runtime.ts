// What Vault+'s routes and its copy worker share in one process: the storage backend (opened on first use, so a
// service that never stores media never loads the S3 client), the CDN fetcher and the proxy URL signer.
import type { ServiceContext } from '../platform/context.ts';
import { urlPolicyAllowsPrivate } from '../platform/outbound.ts';
import { createMediaFetcher, type MediaFetcher } from './fetch-media.ts';
import { createProxyUrls, type ProxyUrls } from './proxy-urls.ts';
import { openMediaStorage, type MediaStorage } from './storage/media-storage.ts';

export interface VaultPlusRuntime {
  storage(): Promise<MediaStorage>;
  fetcher: MediaFetcher;
  urls: ProxyUrls;
  close(): Promise<void>;
}

export function createVaultPlusRuntime(ctx: ServiceContext): VaultPlusRuntime {
  let storage: Promise<MediaStorage> | null = null;
  const fetcher = createMediaFetcher({ mayProxyThroughPrivateAddresses: urlPolicyAllowsPrivate(ctx.config) });
  return {
    storage() {
      storage ??= openMediaStorage(ctx.config);
      storage.catch(() => (storage = null));
      return storage;
    },
    fetcher,
    urls: createProxyUrls(ctx),
    async close() {
      await fetcher.close();
      if (storage) await (await storage.catch(() => null))?.close();
    },
  };
}
