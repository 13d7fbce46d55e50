// Client apps: the integrations Link runs for (name, integration type, redirect URIs, embed origins, permissions).
import type { ServiceContext } from '../platform/context.ts';
import type { Environment } from '../platform/environment.ts';
import { ApiError, badRequest, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { ActingScope } from '../platform/tenant-scope.ts';
import { recordAuditEntry } from './audit.ts';
import { embedOriginProblem, normaliseOrigin, redirectUriProblem } from './redirect-uris.ts';
import type { CreateClientAppInput, UpdateClientAppInput } from './schemas.ts';
import { readDefaultConnectionPermissions } from './settings.ts';
import * as store from './store.ts';
import type { ClientAppRow } from './store.ts';

function checkRedirectUris(uris: readonly string[]): void {
  uris.forEach((uri, i) => {
    const problem = redirectUriProblem(uri);
    if (problem) throw badRequest(`redirectUris[${i}] ${problem}`, `redirectUris.${i}`);
  });
}

function checkEmbedOrigins(origins: readonly string[]): string[] {
  return origins.map((origin, i) => {
    const problem = embedOriginProblem(origin);
    if (problem) throw badRequest(`embedOrigins[${i}] ${problem}`, `embedOrigins.${i}`);
    return normaliseOrigin(origin);
  });
}

/**
 * The environment a new app is for: the calling key's unless the body names another. A live admin key may create
 * sandbox apps; a sandbox key may not create live ones: Link init without clientAppId takes the environment's first
 * app, so a live app made with a sandbox key could send real users' logins to a redirect URI of its choosing.
 */
function environmentOfNewApp(scope: ActingScope, requested: Environment | undefined): Environment {
  const environment = requested ?? scope.environment;
  if (environment === 'live' && scope.environment !== 'live') {
    throw new ApiError(
      'FORBIDDEN',
      'Live client apps are created with a live admin key (apikey: sk_live_…). Without one yet, create it first with ' +
        'this sandbox admin key: POST /v2/api-keys {"environment":"live","name":"Live admin"}',
      { details: { field: 'environment', environment } },
    );
  }
  return environment;
}

export async function createClientApp(ctx: ServiceContext, scope: ActingScope, input: CreateClientAppInput): Promise<ClientAppRow> {
  const environment = environmentOfNewApp(scope, input.environment);
  const redirectUris = input.redirectUris ?? [];
  checkRedirectUris(redirectUris);
  const embedOrigins = checkEmbedOrigins(input.embedOrigins ?? []);
  const now = ctx.clock.now();
  const { environment: _environment, ...fields } = input;
  return ctx.database.db.transaction(async (tx) => {
    // An app that names no permissions asks for the org's default of its environment, as it stands now (Link
    // grants a connection what its client app asks for).
    const permissions = fields.permissions ?? readDefaultConnectionPermissions((await store.findOrg(tx, scope.orgId))?.settings, environment);
    const app = await store.insertClientApp(tx, {
      id: newId('app'),
      orgId: scope.orgId,
      environment,
      name: fields.name,
      integrationType: fields.integrationType ?? 'redirect',
      redirectUris,
      embedOrigins,
      permissions,
      profile: fields.profile ?? {},
      returnsRawSession: fields.returnsRawSession ?? false,
      createdAt: now,
      updatedAt: now,
    });
    await recordAuditEntry(tx, { orgId: scope.orgId, environment, actor: scope.actor, action: 'client_app.created', target: app.id, data: { environment } });
    return app;
  });
}

export async function updateClientApp(ctx: ServiceContext, scope: ActingScope, appId: string, input: UpdateClientAppInput): Promise<ClientAppRow> {
  if (input.redirectUris) checkRedirectUris(input.redirectUris);
  const embedOrigins = input.embedOrigins ? checkEmbedOrigins(input.embedOrigins) : undefined;
  return ctx.database.db.transaction(async (tx) => {
    const existing = await store.findClientApp(tx, scope, appId);
    if (!existing) throw notFound('Client app', appId);
    const updated = await store.updateClientAppRow(tx, scope.orgId, appId, {
      ...input,
      ...(embedOrigins ? { embedOrigins } : {}),
      updatedAt: ctx.clock.now(),
    });
    await recordAuditEntry(tx, { orgId: scope.orgId, environment: scope.environment, actor: scope.actor, action: 'client_app.updated', target: appId, data: { fields: Object.keys(input) } });
    return updated!;
  });
}

export async function deleteClientApp(ctx: ServiceContext, scope: ActingScope, appId: string): Promise<void> {
  await ctx.database.db.transaction(async (tx) => {
    const existing = await store.findClientApp(tx, scope, appId);
    if (!existing) throw notFound('Client app', appId);
    await store.deleteClientAppRow(tx, scope.orgId, appId);
    await recordAuditEntry(tx, { orgId: scope.orgId, environment: scope.environment, actor: scope.actor, action: 'client_app.deleted', target: appId });
  });
}

export function presentClientApp(app: ClientAppRow) {
  return {
    id: app.id,
    environment: app.environment,
    name: app.name,
    integrationType: app.integrationType,
    redirectUris: app.redirectUris,
    embedOrigins: app.embedOrigins,
    permissions: app.permissions,
    profile: app.profile,
    returnsRawSession: app.returnsRawSession,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}
