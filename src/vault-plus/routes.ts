// HTTP for vault-plus/: OFAuth's Vault+ API (scope ACCESS, the connection in x-connection-id; store/stats is
// org-wide) and the media proxy (/media/{itemId}, public: its signed URL is the credential).
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import { installAccessMediaHook } from './access-media.ts';
import { requestConnection } from './connection.ts';
import { serveProxiedMedia } from './media-proxy.ts';
import { presentItems } from './present.ts';
import { purgeConnection, removeMediaItem } from './remove.ts';
import type { VaultPlusRuntime } from './runtime.ts';
import * as S from './schemas.ts';
import { connectionVaultPlus } from './settings.ts';
import { connectionTotals, findMediaRows, listMediaPage, orgConnectionCounts, orgTotals } from './store.ts';
import { queueVaultList } from './store-list.ts';

const TAGS = ['Vault+'];
const CONNECTION_HEADER = { type: 'object', properties: { 'x-connection-id': { type: 'string' } } } as const;

export function registerVaultPlusRoutes(app: HttpApp, ctx: ServiceContext, runtime: VaultPlusRuntime): void {
  const db = () => ctx.database.db;

  app.post('/v2/vault-plus/store/list/:listId', {
    config: { scope: 'access' },
    schema: { tags: TAGS, summary: 'Queue a vault list for storage', params: S.ListIdParams, headers: CONNECTION_HEADER, response: { 200: S.StoreListReply } },
  }, async (request) => {
    const connection = await requestConnection(ctx, request.auth, request);
    return queueVaultList(ctx, request.auth, connection, request.params.listId);
  });

  app.get('/v2/vault-plus/store/status', {
    config: { scope: 'access' },
    schema: { tags: TAGS, summary: 'Storage status of a connection', headers: CONNECTION_HEADER, response: { 200: S.StoreStatusReply } },
  }, async (request) => {
    const connection = await requestConnection(ctx, request.auth, request);
    return { connectionId: connection.id, ...(await connectionTotals(db(), request.auth, connection.id)) };
  });

  app.get('/v2/vault-plus/store/stats', {
    config: { scope: 'access' },
    schema: { tags: TAGS, summary: 'Vault+ totals of the organization', response: { 200: S.StoreStatsReply } },
  }, async (request) => {
    const [counts, totals] = await Promise.all([orgConnectionCounts(db(), request.auth), orgTotals(db(), request.auth)]);
    return { totalConnections: counts.total, connectionsWithVaultPlus: counts.withVaultPlus, totalStorageBytes: totals.totalStorageBytes, totalMediaCount: totals.totalMediaCount };
  });

  app.get('/v2/vault-plus/list', {
    config: { scope: 'access' },
    schema: { tags: TAGS, summary: 'List stored media', querystring: S.ListQuery, headers: CONNECTION_HEADER, response: { 200: S.ListReply } },
  }, async (request) => {
    const connection = await requestConnection(ctx, request.auth, request);
    const { status, source, contentType, limit, cursor } = request.query;
    const page = await listMediaPage(db(), request.auth, connection.id, { status, source, contentType }, limit ?? 50, cursor ?? null);
    const { settings } = await connectionVaultPlus(ctx, request.auth, connection);
    const items = await presentItems(page.rows, runtime.urls, settings);
    return page.nextCursor === null ? { items } : { items, nextCursor: page.nextCursor };
  });

  app.post('/v2/vault-plus/batch', {
    config: { scope: 'access' },
    schema: { tags: TAGS, summary: 'Several stored media items', body: S.BatchBody, headers: CONNECTION_HEADER, response: { 200: S.BatchReply } },
  }, async (request) => {
    const connection = await requestConnection(ctx, request.auth, request);
    const rows = await findMediaRows(db(), request.auth, connection.id, [...new Set(request.body.mediaIds)]);
    const { settings } = await connectionVaultPlus(ctx, request.auth, connection);
    return { items: await presentItems(rows, runtime.urls, settings) };
  });

  app.delete('/v2/vault-plus/purge', {
    config: { scope: 'access' },
    schema: { tags: TAGS, summary: 'Remove everything a connection has stored', headers: CONNECTION_HEADER, response: { 200: S.PurgeReply } },
  }, async (request) => {
    const connection = await requestConnection(ctx, request.auth, request);
    const removal = await purgeConnection(ctx, runtime, request.auth, connection.id);
    return { success: true, purgedCount: new Set(removal.removed.map((row) => row.mediaId)).size, freedBytes: removal.freedBytes };
  });

  app.get('/v2/vault-plus/:mediaId', {
    config: { scope: 'access' },
    schema: { tags: TAGS, summary: 'One stored media item with every quality', params: S.MediaIdParams, headers: CONNECTION_HEADER, response: { 200: S.VaultPlusItem } },
  }, async (request) => {
    const connection = await requestConnection(ctx, request.auth, request);
    const rows = await findMediaRows(db(), request.auth, connection.id, [request.params.mediaId]);
    if (rows.length === 0) throw notFoundMedia(request.params.mediaId);
    const { settings } = await connectionVaultPlus(ctx, request.auth, connection);
    return (await presentItems(rows, runtime.urls, settings))[0];
  });

  app.delete('/v2/vault-plus/:mediaId', {
    config: { scope: 'access' },
    schema: { tags: TAGS, summary: 'Remove one media item from storage', params: S.MediaIdParams, headers: CONNECTION_HEADER, response: { 200: S.DeleteReply } },
  }, async (request) => {
    const connection = await requestConnection(ctx, request.auth, request);
    const removal = await removeMediaItem(ctx, runtime, request.auth, connection.id, request.params.mediaId);
    if (removal.removed.length === 0 && (await findMediaRows(db(), request.auth, connection.id, [request.params.mediaId])).length === 0) {
      throw notFoundMedia(request.params.mediaId);
    }
    return { success: true, mediaId: request.params.mediaId, freedBytes: removal.freedBytes };
  });

  app.get('/media/:itemId', {
    schema: { tags: TAGS, summary: 'A media file through the media proxy (signed URL; no API key)', params: S.ProxyParams, querystring: S.ProxyQuery },
  }, async (request, reply) => {
    await serveProxiedMedia(ctx, runtime, { itemId: request.params.itemId, ...request.query }, request, reply);
    // The reply is a stream still being written: returning it tells Fastify the handler has sent it.
    return reply;
  });

  installAccessMediaHook(app, ctx, runtime);
  app.addHook('onClose', async () => runtime.close());
}

function notFoundMedia(mediaId: string) {
  return new ApiError('RESOURCE_NOT_FOUND', `Media ${mediaId} is not in Vault+ for this connection`, { details: { field: 'mediaId', mediaId } });
}
