// Vault lists (view=main is required, as on the real site; create, rename, delete, add media) and vault media,
// with the upload flow's duplicate check by file hash.
import type { FastifyInstance } from 'fastify';
import type { MediaItem, MediaType } from '../data/media.ts';
import { mediaView } from '../data/media.ts';
import type { Vault, VaultList } from '../data/vault.ts';
import { fileHashKey } from '../data/vault.ts';
import { badRequest, notFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { offsetPage, pageOf, queryOf, queryString } from './paging.ts';

const MEDIA_TYPES: MediaType[] = ['photo', 'video', 'gif', 'audio'];

function countsOf(media: MediaItem[]) {
  const count = (type: MediaType) => media.filter((m) => m.type === type).length;
  return { videosCount: count('video'), photosCount: count('photo'), gifsCount: count('gif'), audiosCount: count('audio') };
}

const MAX_LIST_NAME = 100;

function listView(vault: Vault, list: VaultList) {
  const media = list.mediaIds.map((id) => vault.byId.get(id)).filter((m): m is MediaItem => m !== undefined);
  return { id: list.id, type: 'custom', name: list.name, hasMedia: media.length > 0, canUpdate: true, canDelete: true, ...countsOf(media), medias: media.slice(0, 3).map((m) => ({ type: m.type, url: mediaView(m).files.thumb.url })) };
}

function findList(vault: Vault, id: string): VaultList {
  const list = vault.lists.find((l) => String(l.id) === id);
  if (!list) throw notFound('List not found');
  return list;
}

function listName(body: unknown): string {
  const name = (body as Record<string, unknown> | undefined)?.name;
  if (typeof name !== 'string' || name.trim() === '') throw badRequest('Name is required');
  if (name.trim().length > MAX_LIST_NAME) throw badRequest(`Name is longer than ${MAX_LIST_NAME} characters`);
  return name.trim();
}

export function registerVaultRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/api2/v2/vault/lists', async (req) => {
    const query = queryOf(req);
    if (queryString(query, 'view') !== 'main') throw badRequest('Bad view param');
    const vault = requireAccountData(req, state).vault;
    const { limit, offset } = pageOf(query, 100);
    const page = offsetPage(vault.lists.map((list) => listView(vault, list)), limit, offset);
    return { list: page.list, all: { ...countsOf(vault.media), medias: vault.media.slice(0, 3).map((m) => ({ type: m.type, url: mediaView(m).files.thumb.url })) }, hasMore: page.hasMore };
  });

  app.get('/api2/v2/vault/media', async (req) => {
    const vault = requireAccountData(req, state).vault;
    const query = queryOf(req);
    const { limit, offset } = pageOf(query, 24);
    const listId = queryString(query, 'list') ?? 'all';
    let media = vault.media;
    if (listId !== 'all') {
      const list = findList(vault, listId);
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

  app.post('/api2/v2/vault/lists', async (req) => {
    const vault = requireAccountData(req, state).vault;
    const name = listName(req.body);
    if (vault.lists.some((l) => l.name === name)) throw badRequest('A list with this name already exists');
    const list: VaultList = { id: vault.nextListId++, name, mediaIds: [] };
    vault.lists.push(list);
    return listView(vault, list);
  });

  app.patch<{ Params: { id: string } }>('/api2/v2/vault/lists/:id', async (req) => {
    const vault = requireAccountData(req, state).vault;
    const list = findList(vault, req.params.id);
    list.name = listName(req.body);
    return listView(vault, list);
  });

  app.delete<{ Params: { id: string } }>('/api2/v2/vault/lists/:id', async (req) => {
    const vault = requireAccountData(req, state).vault;
    const list = findList(vault, req.params.id);
    vault.lists = vault.lists.filter((l) => l !== list);
    return { success: true };
  });

  // {mediaIds:[…]}: every id must be in the vault; ones already in the list stay once.
  app.post<{ Params: { id: string } }>('/api2/v2/vault/lists/:id/media', async (req) => {
    const vault = requireAccountData(req, state).vault;
    const list = findList(vault, req.params.id);
    const mediaIds = ((req.body ?? {}) as Record<string, unknown>).mediaIds;
    if (!Array.isArray(mediaIds) || mediaIds.length === 0) throw badRequest('mediaIds is required');
    const ids = mediaIds.map(Number);
    for (const id of ids) if (!vault.byId.has(id)) throw notFound('Media Not Found');
    for (const id of ids) if (!list.mediaIds.includes(id)) list.mediaIds.push(id);
    return { success: true };
  });

  // The upload flow's duplicate check: the media already holding a file with this md5 and size, or a 404.
  app.get('/api2/v2/vault/media/hash', async (req) => {
    const vault = requireAccountData(req, state).vault;
    const query = queryOf(req);
    const md5 = queryString(query, 'h') ?? '';
    const size = Number(queryString(query, 'size'));
    if (!/^[0-9a-fA-F]{32}$/.test(md5) || !Number.isSafeInteger(size) || size < 0) throw badRequest('h (md5) and size are required');
    const id = vault.hashes[fileHashKey(md5, size)];
    const item = id === undefined ? undefined : vault.byId.get(id);
    if (!item) throw notFound('Media Not Found');
    return mediaView(item);
  });
}
