// Vault lists (view=main is required, as on the real site) and vault media.
import type { FastifyInstance } from 'fastify';
import type { MediaItem, MediaType } from '../data/media.ts';
import { mediaView } from '../data/media.ts';
import { badRequest, notFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { offsetPage, pageOf, queryOf, queryString } from './paging.ts';

const MEDIA_TYPES: MediaType[] = ['photo', 'video', 'gif', 'audio'];

function countsOf(media: MediaItem[]) {
  const count = (type: MediaType) => media.filter((m) => m.type === type).length;
  return { videosCount: count('video'), photosCount: count('photo'), gifsCount: count('gif'), audiosCount: count('audio') };
}

export function registerVaultRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/api2/v2/vault/lists', async (req) => {
    const query = queryOf(req);
    if (queryString(query, 'view') !== 'main') throw badRequest('Bad view param');
    const vault = requireAccountData(req, state).vault;
    const { limit, offset } = pageOf(query, 100);
    const lists = vault.lists.map((list) => {
      const media = list.mediaIds.map((id) => vault.byId.get(id)).filter((m): m is MediaItem => m !== undefined);
      return { id: list.id, type: 'custom', name: list.name, hasMedia: media.length > 0, canUpdate: true, canDelete: true, ...countsOf(media), medias: media.slice(0, 3).map((m) => ({ type: m.type, url: mediaView(m).files.thumb.url })) };
    });
    const page = offsetPage(lists, limit, offset);
    return { list: page.list, all: { ...countsOf(vault.media), medias: vault.media.slice(0, 3).map((m) => ({ type: m.type, url: mediaView(m).files.thumb.url })) }, hasMore: page.hasMore };
  });

  app.get('/api2/v2/vault/media', async (req) => {
    const vault = requireAccountData(req, state).vault;
    const query = queryOf(req);
    const { limit, offset } = pageOf(query, 24);
    const listId = queryString(query, 'list') ?? 'all';
    let media = vault.media;
    if (listId !== 'all') {
      const list = vault.lists.find((l) => String(l.id) === listId);
      if (!list) throw notFound('List not found');
      media = media.filter((m) => list.mediaIds.includes(m.id));
    }
    const type = queryString(query, 'type');
    if (type !== undefined) {
      if (!MEDIA_TYPES.includes(type as MediaType)) throw badRequest('Invalid type');
      media = media.filter((m) => m.type === type);
    }
    if (queryString(query, 'sort') === 'asc') media = media.slice().reverse();
    const page = offsetPage(media, limit, offset);
    return { list: page.list.map((m) => mediaView(m)), hasMore: page.hasMore };
  });

  app.get<{ Params: { id: string } }>('/api2/v2/vault/media/:id', async (req) => {
    const item = requireAccountData(req, state).vault.byId.get(Number(req.params.id));
    if (!item) throw notFound('Media Not Found');
    return mediaView(item);
  });
}
