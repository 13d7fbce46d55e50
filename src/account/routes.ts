// HTTP for account/: whoami and org settings (OFAuth routes), client apps and API keys (management extension).
import { Type } from 'typebox';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError, notFound } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import type { ApiKeyAuthenticator } from './authenticate.ts';
import { createClientApp, deleteClientApp, presentClientApp, updateClientApp } from './client-apps.ts';
import { createApiKey, presentApiKey, revokeApiKey } from './manage-keys.ts';
import * as S from './schemas.ts';
import { permissionNamesOf } from './scopes.ts';
import { mergeOrgSettings, readOrgSettings } from './settings.ts';
import * as store from './store.ts';
import { recordAuditEntry } from './audit.ts';

const Deleted = Type.Object({ success: Type.Boolean(), id: Type.String() });

export function registerAccountRoutes(app: HttpApp, ctx: ServiceContext, authenticator: ApiKeyAuthenticator): void {
  const db = () => ctx.database.db;
  const actorOf = (keyId: string) => `key:${keyId}`;

  app.get('/v2/account/whoami', {
    config: { scope: 'account' },
    schema: { tags: ['Account'], summary: 'Identify the API key\'s organization', response: { 200: S.Whoami } },
  }, async (request) => {
    const org = await store.findOrg(db(), request.auth.orgId);
    if (!org) throw new ApiError('UNAUTHORIZED', 'The organization of this API key no longer exists');
    return { id: org.id, name: org.name, permissions: permissionNamesOf(request.auth.scopes) };
  });

  app.get('/v2/account/settings', {
    config: { scope: 'account' },
    schema: { tags: ['Account'], summary: 'Organization settings and connection defaults', response: { 200: S.OrgSettings } },
  }, async (request) => {
    const org = await store.findOrg(db(), request.auth.orgId);
    return readOrgSettings(org?.settings);
  });

  app.patch('/v2/account/settings', {
    config: { scope: 'account' },
    schema: { tags: ['Account'], summary: 'Update organization settings', body: S.OrgSettingsPatch, response: { 200: S.OrgSettingsUpdated } },
  }, async (request) => {
    return db().transaction(async (tx) => {
      const org = await store.findOrg(tx, request.auth.orgId);
      if (!org) throw notFound('Organization');
      const next = mergeOrgSettings(readOrgSettings(org.settings), request.body);
      await store.updateOrgSettings(tx, org.id, next as unknown as Record<string, unknown>, ctx.clock.now());
      await recordAuditEntry(tx, { orgId: org.id, actor: actorOf(request.auth.keyId), action: 'settings.updated', data: { fields: Object.keys(request.body) } });
      // Vault+ storage is not built yet, so applying defaults to existing connections affects none of them.
      const broadcastResult = request.body.vaultPlus?.applyToExistingConnections ? { affectedConnections: 0, purgeResults: [] } : undefined;
      return { settings: next, ...(broadcastResult ? { broadcastResult } : {}) };
    });
  });

  // ----- client apps (management extension; admin scope; scoped to the key's environment) -----
  app.get('/v2/client-apps', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'List client apps of the key\'s environment', response: { 200: S.ListOf(S.ClientApp) } },
  }, async (request) => {
    const apps = await store.listClientApps(db(), request.auth.orgId, request.auth.environment);
    return { list: apps.map(presentClientApp) };
  });

  app.post('/v2/client-apps', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'Create a client app', body: S.CreateClientApp, response: { 201: S.ClientApp } },
  }, async (request, reply) => {
    const created = await createClientApp(ctx, { ...request.auth, actor: actorOf(request.auth.keyId) }, request.body);
    return reply.code(201).send(presentClientApp(created));
  });

  app.get('/v2/client-apps/:appId', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'Get a client app', params: S.AppIdParams, response: { 200: S.ClientApp } },
  }, async (request) => {
    const found = await store.findClientApp(db(), request.auth.orgId, request.auth.environment, request.params.appId);
    if (!found) throw notFound('Client app', request.params.appId);
    return presentClientApp(found);
  });

  app.patch('/v2/client-apps/:appId', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'Update a client app', params: S.AppIdParams, body: S.UpdateClientApp, response: { 200: S.ClientApp } },
  }, async (request) => {
    const updated = await updateClientApp(ctx, { ...request.auth, actor: actorOf(request.auth.keyId) }, request.params.appId, request.body);
    return presentClientApp(updated);
  });

  app.delete('/v2/client-apps/:appId', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'Delete a client app', params: S.AppIdParams, response: { 200: Deleted } },
  }, async (request) => {
    await deleteClientApp(ctx, { ...request.auth, actor: actorOf(request.auth.keyId) }, request.params.appId);
    return { success: true, id: request.params.appId };
  });

  // ----- API keys (management extension; admin scope) -----
  app.get('/v2/api-keys', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'List API keys (never their secrets)', response: { 200: S.ListOf(S.ApiKey) } },
  }, async (request) => {
    const keys = await store.listApiKeys(db(), request.auth.orgId);
    return { list: keys.map(presentApiKey) };
  });

  app.post('/v2/api-keys', {
    config: { scope: 'admin' },
    schema: {
      tags: ['Management'],
      summary: 'Create an API key in the calling key\'s environment; the secret is shown once',
      body: S.CreateApiKey,
      response: { 201: S.CreatedApiKey },
    },
  }, async (request, reply) => {
    const created = await db().transaction((tx) =>
      createApiKey(tx, {
        orgId: request.auth.orgId,
        environment: request.auth.environment,
        name: request.body.name,
        scopes: request.body.scopes,
        actor: actorOf(request.auth.keyId),
        now: ctx.clock.now(),
      }),
    );
    return reply.code(201).send({ ...presentApiKey(created.row), key: created.secret });
  });

  app.delete('/v2/api-keys/:keyId', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'Revoke an API key', params: S.KeyIdParams, response: { 200: S.ApiKey } },
  }, async (request) => {
    const revoked = await db().transaction((tx) =>
      revokeApiKey(tx, { orgId: request.auth.orgId, keyId: request.params.keyId, actor: actorOf(request.auth.keyId), now: ctx.clock.now() }),
    );
    await authenticator.forget(revoked.id);
    return presentApiKey(revoked);
  });
}
