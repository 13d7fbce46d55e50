// HTTP for connections/: OFAuth's account connection routes, plus GET one connection (extension).
import { actingScopeOf } from '../account/actor.ts';
import type { AuthContext } from '../account/authenticate.ts';
import type { ServiceContext } from '../platform/context.ts';
import { notFound } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { connectionTotals } from '../vault-plus/store.ts';
import { presentConnectionSettings, updateConnectionSettings, type VaultPlusUsage } from './connection-settings.ts';
import { disconnectConnection } from './disconnect.ts';
import { invalidateConnection } from './expire.ts';
import { importConnection } from './import.ts';
import { presentConnection } from './present.ts';
import { rotateImportedSession } from './rotate.ts';
import * as S from './schemas.ts';
import { listConnectionStatusHistory } from './status-history.ts';
import * as store from './store.ts';

const TAGS = ['Connections'];

export function registerConnectionRoutes(app: HttpApp, ctx: ServiceContext): void {
  const listRoute = {
    config: { scope: 'account' as const },
    schema: { tags: TAGS, summary: 'List connections', querystring: S.ListConnectionsQuery, response: { 200: S.ConnectionList } },
  };
  const listHandler = async (request: { auth: AuthContext; query: S.ListConnectionsQueryInput }) => {
    const { rows, hasMore } = await store.listConnections(ctx.database.db, request.auth, {
      status: request.query.status,
      imported: request.query.imported === undefined ? undefined : request.query.imported === 'true',
      search: request.query.search?.trim() || undefined,
      limit: request.query.limit ?? 10,
      offset: request.query.offset ?? 0,
    });
    return { list: rows.map(presentConnection), hasMore };
  };
  app.get('/v2/account/connections', listRoute, listHandler);
  // docs-next shows an older path with the same shape; served as an alias.
  app.get('/v2/connections', { ...listRoute, schema: { ...listRoute.schema, summary: 'List connections (older alias)', deprecated: true } }, listHandler);

  app.post('/v2/account/connections/import', {
    config: { scope: 'account' },
    schema: { tags: TAGS, summary: 'Import an existing OnlyFans browser session', body: S.ImportConnection, response: { 201: S.Connection } },
  }, async (request, reply) => {
    const row = await importConnection(ctx, actingScopeOf(request.auth), request.body);
    return reply.code(201).send(presentConnection(row));
  });

  app.patch('/v2/account/connections/import/:connectionId', {
    config: { scope: 'account' },
    schema: {
      tags: TAGS,
      summary: 'Replace an imported connection\'s session',
      params: S.ConnectionIdParams,
      body: S.RotateImportedSession,
      response: { 200: S.Connection },
    },
  }, async (request) => presentConnection(await rotateImportedSession(ctx, actingScopeOf(request.auth), request.params.connectionId, request.body)));

  app.get('/v2/account/connections/:connectionId', {
    config: { scope: 'account' },
    schema: { tags: TAGS, summary: 'Get one connection (ofconnect extension)', params: S.ConnectionIdParams, response: { 200: S.Connection } },
  }, async (request) => {
    const row = await store.findConnection(ctx.database.db, request.auth, request.params.connectionId);
    if (!row) throw notFound('Connection', request.params.connectionId);
    return presentConnection(row);
  });

  app.delete('/v2/account/connections/:connectionId', {
    config: { scope: 'account' },
    schema: { tags: TAGS, summary: 'Disconnect permanently', params: S.ConnectionIdParams, response: { 200: S.ConnectionActionResult } },
  }, async (request) => {
    await disconnectConnection(ctx, actingScopeOf(request.auth), request.params.connectionId);
    return { success: true, connectionId: request.params.connectionId };
  });

  app.post('/v2/account/connections/:connectionId/invalidate', {
    config: { scope: 'account' },
    schema: { tags: TAGS, summary: 'Force the session to expire', params: S.ConnectionIdParams, response: { 200: S.ConnectionActionResult } },
  }, async (request) => {
    await invalidateConnection(ctx, actingScopeOf(request.auth), request.params.connectionId);
    return { success: true, connectionId: request.params.connectionId };
  });

  app.get('/v2/account/connections/:connectionId/status-history', {
    config: { scope: 'account' },
    schema: {
      tags: TAGS,
      summary: 'The connection\'s status changes, newest first (ofconnect extension)',
      description: 'Every change of status (imported, linked, reconnected, session rotated, invalidated, expired upstream), when, why and who acted.',
      params: S.ConnectionIdParams,
      querystring: S.ConnectionStatusHistoryQuery,
      response: { 200: S.ConnectionStatusHistory },
    },
  }, async (request) => listConnectionStatusHistory(ctx, request.auth, request.params.connectionId, request.query));

  app.get('/v2/account/connections/:connectionId/settings', {
    config: { scope: 'account' },
    schema: { tags: TAGS, summary: 'Per-connection settings', params: S.ConnectionIdParams, response: { 200: S.ConnectionSettings } },
  }, async (request) => {
    const row = await store.findConnection(ctx.database.db, request.auth, request.params.connectionId);
    if (!row) throw notFound('Connection', request.params.connectionId);
    return presentConnectionSettings(ctx, row, await vaultPlusUsageOf(ctx, request.auth, row.id));
  });

  app.patch('/v2/account/connections/:connectionId/settings', {
    config: { scope: 'account' },
    schema: {
      tags: TAGS,
      summary: 'Update per-connection settings',
      params: S.ConnectionIdParams,
      body: S.UpdateConnectionSettings,
      response: { 200: S.ConnectionSettingsUpdated },
    },
  }, async (request) => {
    const row = await updateConnectionSettings(ctx, actingScopeOf(request.auth), request.params.connectionId, request.body);
    return presentConnectionSettings(ctx, row, await vaultPlusUsageOf(ctx, request.auth, row.id));
  });
}

/** What Vault+ holds for the connection (the settings reply's stats), read from Vault+'s own tables. */
async function vaultPlusUsageOf(ctx: ServiceContext, scope: TenantScope, connectionId: string): Promise<VaultPlusUsage> {
  const totals = await connectionTotals(ctx.database.db, scope, connectionId);
  return { mediaCount: totals.totalMedia, storedCount: totals.storedCount, totalStorageBytes: totals.totalSizeBytes };
}
