// A fresh CDN URL for a media row whose signed URL expired: the item read again through the upstream where it was
// seen (the post or message holding it: the row's sourceRef), or by id for vault media (GET /vault/media/{id}).
import type { UpstreamClient } from '../upstream/client.ts';
import type { UpstreamSession } from '../upstream/session.ts';
import { findUpstreamMedia, upstreamUrlFor } from './media-files.ts';
import type { MediaRow } from './store.ts';

export async function freshMediaUrl(
  upstream: UpstreamClient,
  session: UpstreamSession,
  row: Pick<MediaRow, 'mediaId' | 'quality' | 'sourceRef'>,
  options: { proxyUrl: string | null; signal?: AbortSignal },
): Promise<string | null> {
  const path = row.sourceRef ?? `/vault/media/${encodeURIComponent(row.mediaId)}`;
  const reply = await upstream.request(session, { method: 'GET', path, proxyUrl: options.proxyUrl, signal: options.signal });
  const media = findUpstreamMedia(reply.body).find((item) => String(item.id) === row.mediaId);
  return media ? upstreamUrlFor(media, row.quality) : null;
}
