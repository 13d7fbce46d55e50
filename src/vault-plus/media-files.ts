// Reading OnlyFans media objects (vault media, message and post media, stories): each names its files by variant
// (files.full/preview/thumb/squarePreview, videoSources 720/240). Vault+ names qualities the way OFAuth does; this
// maps one to the other. Anything that is not a media object is ignored.
import type { VaultPlusMediaType } from './tables.ts';

export interface UpstreamMediaFile {
  mediaId: string;
  type: VaultPlusMediaType;
  /** Seconds (videos, audio). */
  duration: number | null;
  quality: string;
  url: string;
  /** Where the item is read again for a fresh URL (vaultPlusMedia.sourceRef); null: by id, as vault media. */
  sourceRef: string | null;
}

interface FileRef {
  url?: unknown;
}

/** A media object as OnlyFans sends it (only what is read here). */
interface UpstreamMedia {
  id: number | string;
  type: string;
  duration?: number;
  files?: { full?: FileRef; preview?: FileRef; thumb?: FileRef; squarePreview?: FileRef };
  videoSources?: Record<string, unknown>;
}

export function isUpstreamMedia(value: unknown): value is UpstreamMedia {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (typeof v.id === 'number' || typeof v.id === 'string') && typeof v.type === 'string' && typeof v.files === 'object' && v.files !== null;
}

export function mediaTypeOf(upstreamType: string): VaultPlusMediaType {
  if (upstreamType === 'photo') return 'image';
  if (upstreamType === 'audio') return 'audio';
  return 'video';
}

const urlOf = (ref: unknown): string | null => (typeof ref === 'string' && ref ? ref : typeof (ref as FileRef | undefined)?.url === 'string' ? ((ref as FileRef).url as string) || null : null);

/** The upstream URL of one quality of a media object, or null when it has none. */
export function upstreamUrlFor(media: UpstreamMedia, quality: string): string | null {
  const files = media.files ?? {};
  switch (quality) {
    case 'thumb':
      return urlOf(files.thumb);
    case 'preview':
      return urlOf(files.preview);
    case '720p':
      return urlOf(media.videoSources?.['720']) ?? urlOf(files.full);
    case '240p':
      return urlOf(media.videoSources?.['240']);
    case 'square':
      return urlOf(files.squarePreview);
    default:
      // full, 1080p, source: the original file.
      return urlOf(files.full);
  }
}

/** The files of one media object in the qualities asked for (qualities it does not have are left out). */
export function mediaFilesOf(media: UpstreamMedia, qualitiesFor: (type: VaultPlusMediaType) => string[], sourceRef: string | null = null): UpstreamMediaFile[] {
  const type = mediaTypeOf(media.type);
  const duration = type === 'image' ? null : typeof media.duration === 'number' ? media.duration : null;
  return qualitiesFor(type).flatMap((quality) => {
    const url = upstreamUrlFor(media, quality);
    return url ? [{ mediaId: String(media.id), type, duration, quality, url, sourceRef }] : [];
  });
}

/** Every media object anywhere in a reply body (lists, nested messages and posts), each once. */
export function findUpstreamMedia(body: unknown): UpstreamMedia[] {
  return findSeenMedia(body, () => null).map((seen) => seen.media);
}

/** A media object in a reply and where it is read again (the post or message holding it), when that is known. */
export interface SeenMedia {
  media: UpstreamMedia;
  sourceRef: string | null;
}

/**
 * Every media object in a reply body with its sourceRef: `refOf` names the upstream path of an object that holds
 * media (a post, a message) or of a media object that names its holder (chat media's messageId); media inside an
 * object inherit its ref.
 */
export function findSeenMedia(body: unknown, refOf: (value: Record<string, unknown>) => string | null, ref: string | null = null, found: SeenMedia[] = [], depth = 0): SeenMedia[] {
  if (depth > 8 || typeof body !== 'object' || body === null) return found;
  if (isUpstreamMedia(body)) {
    found.push({ media: body, sourceRef: refOf(body as unknown as Record<string, unknown>) ?? ref });
    return found;
  }
  const here = Array.isArray(body) ? ref : (refOf(body as Record<string, unknown>) ?? ref);
  for (const value of Array.isArray(body) ? body : Object.values(body)) findSeenMedia(value, refOf, here, found, depth + 1);
  return found;
}
