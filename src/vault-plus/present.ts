// Media rows as OFAuth's VaultPlusItem: one object per media item, its qualities under `media`, each with the media
// proxy's signed URL.
import type { Static } from 'typebox';
import type { VaultPlusSettings } from '../account/settings.ts';
import type { ProxyUrls } from './proxy-urls.ts';
import type { VaultPlusItem } from './schemas.ts';
import type { MediaRow } from './store.ts';

const ms = (date: Date | null) => (date === null ? null : date.getTime());

export async function presentItems(rows: MediaRow[], urls: ProxyUrls, settings: Pick<VaultPlusSettings, 'presignedUrlTtlSeconds'>): Promise<Static<typeof VaultPlusItem>[]> {
  const items = new Map<string, Static<typeof VaultPlusItem>>();
  for (const row of rows) {
    let item = items.get(row.mediaId);
    if (!item) {
      item = { id: row.mediaId, type: row.type, duration: row.duration, media: {} };
      items.set(row.mediaId, item);
    }
    item.media[row.quality] = {
      id: row.id,
      status: row.status,
      quality: row.quality,
      sizeBytes: row.sizeBytes,
      contentType: row.contentType,
      source: row.source,
      accessCount: row.accessCount,
      createdAt: row.createdAt.getTime(),
      expiresAt: ms(row.expiresAt),
      storedAt: ms(row.storedAt),
      lastAccessedAt: ms(row.lastAccessedAt),
      url: await urls.urlFor(row, settings.presignedUrlTtlSeconds),
    };
  }
  return [...items.values()];
}
