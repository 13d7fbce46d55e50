// HTTP for account/: whoami and org settings (OFAuth routes), client apps and API keys (management extension).
import { Type } from 'typebox';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError, notFound } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import { ListOf } from '../platform/http/schema-kit.ts';
import { actingScopeOf } from './actor.ts';
import { listAuditLog } from './audit-log.ts';
import { AuditLogPage, AuditLogQuery } from './audit-schemas.ts';
import type { ApiKeyAuthenticator } from './authenticate.ts';
import { createClientApp, deleteClientApp, presentClientApp, updateClientApp } from './client-apps.ts';
import { createApiKey, presentApiKey, revokeApiKey } from './manage-keys.ts';
import * as S from './schemas.ts';
import { permissionNamesOf } from './scopes.ts';
import { getOrgSettings, updateOrgSettings } from './settings.ts';
import * as store from './store.ts';

const Deleted = Type.Object({ success: Type.Boolean(), id: Type.String() });

export function registerAccountRoutes(app: HttpApp, ctx: ServiceContext, authenticator: ApiKeyAuthenticator): void {
  const db = () => ctx.database.db;

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
    schema: { tags: ['Account'], summary: 'Organization settings and connection defaults (the connection permissions default is the key\'s environment\'s)', response: { 200: S.OrgSettings } },
  }, async (request) => getOrgSettings(ctx, request.auth));

  app.patch('/v2/account/settings', {
    config: { scope: 'account' },
    schema: { tags: ['Account'], summary: 'Update organization settings', body: S.OrgSettingsPatch, response: { 200: S.OrgSettingsUpdated } },
  }, async (request) => updateOrgSettings(ctx, actingScopeOf(request.auth), request.body));

  app.get('/v2/audit-log', {
    config: { scope: 'admin' },
    schema: {
      tags: ['Management'],
      summary: 'The audit log: who changed what, newest first (the key\'s environment and org-wide entries)',
      querystring: AuditLogQuery,
      response: { 200: AuditLogPage },
    },
  }, async (request) => listAuditLog(ctx, request.auth, request.query));

  // ----- client apps (management extension; admin scope; scoped to the key's environment) -----
  app.get('/v2/client-apps', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'List client apps of the key\'s environment', response: { 200: ListOf(S.ClientApp) } },
  }, async (request) => {
    const apps = await store.listClientApps(db(), request.auth);
    return { list: apps.map(presentClientApp) };
  });

  app.post('/v2/client-apps', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'Create a client app (for the calling key\'s environment, or the one the body names)', body: S.CreateClientApp, response: { 201: S.ClientApp } },
  }, async (request, reply) => {
    const created = await createClientApp(ctx, actingScopeOf(request.auth), request.body);
    return reply.code(201).send(presentClientApp(created));
  });

  app.get('/v2/client-apps/:appId', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'Get a client app', params: S.AppIdParams, response: { 200: S.ClientApp } },
  }, async (request) => {
    const found = await store.findClientApp(db(), request.auth, request.params.appId);
    if (!found) throw notFound('Client app', request.params.appId);
    return presentClientApp(found);
  });

  app.patch('/v2/client-apps/:appId', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'Update a client app', params: S.AppIdParams, body: S.UpdateClientApp, response: { 200: S.ClientApp } },
  }, async (request) => {
    const updated = await updateClientApp(ctx, actingScopeOf(request.auth), request.params.appId, request.body);
    return presentClientApp(updated);
  });

  app.delete('/v2/client-apps/:appId', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'Delete a client app', params: S.AppIdParams, response: { 200: Deleted } },
  }, async (request) => {
    await deleteClientApp(ctx, actingScopeOf(request.auth), request.params.appId);
    return { success: true, id: request.params.appId };
  });

  // ----- API keys (management extension; admin scope) -----
  app.get('/v2/api-keys', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'List the API keys of the calling key\'s environment (never their secrets)', response: { 200: ListOf(S.ApiKey) } },
  }, async (request) => {
    const keys = await store.listApiKeys(db(), request.auth);
    return { list: keys.map(presentApiKey) };
  });

  app.post('/v2/api-keys', {
    config: { scope: 'admin' },
    schema: {
      tags: ['Management'],
      summary: 'Create an API key (the calling key\'s environment, or the one the body names); the secret is shown once',
      body: S.CreateApiKey,
      response: { 201: S.CreatedApiKey },
    },
  }, async (request, reply) => {
    const created = await createApiKey(ctx, actingScopeOf(request.auth), request.body);
    return reply.code(201).send({ ...presentApiKey(created.row), key: created.secret });
  });

  app.delete('/v2/api-keys/:keyId', {
    config: { scope: 'admin' },
    schema: { tags: ['Management'], summary: 'Revoke an API key of the calling key\'s environment', params: S.KeyIdParams, response: { 200: S.ApiKey } },
  }, async (request) => {
    const revoked = await revokeApiKey(ctx, actingScopeOf(request.auth), request.params.keyId, authenticator);
    return presentApiKey(revoked);
  });
}
