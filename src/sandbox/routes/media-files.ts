// `mediaFiles` as messages, mass messages and posts take it: vault media ids (numbers or numeric strings) or the
// converter's descriptors `{processId, host, name, extra}` of a finished upload. Anything else is a 404.
import type { MediaItem } from '../data/media.ts';
import type { AccountData } from '../data/world.ts';
import { badRequest, notFound } from '../onlyfans-error.ts';

export function resolveMediaFiles(data: AccountData, mediaFiles: unknown): MediaItem[] {
  if (mediaFiles === undefined || mediaFiles === null) return [];
  if (!Array.isArray(mediaFiles)) throw badRequest('mediaFiles must be an array');
  return mediaFiles.map((entry) => {
    const id = typeof entry === 'object' && entry !== null && 'processId' in entry ? data.uploads.processIds[String(entry.processId)] : Number(entry);
    const item = id === undefined ? undefined : data.vault.byId.get(id);
    if (!item) throw notFound('Media Not Found');
    return item;
  });
}
