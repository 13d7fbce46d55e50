// Client apps: the integrations Link runs for (name, integration type, redirect URIs, embed origins, permissions).
import type { ServiceContext } from '../platform/context.ts';
import { badRequest, notFound } from '../platform/errors.ts';
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

export async function createClientApp(ctx: ServiceContext, scope: ActingScope, input: CreateClientAppInput): Promise<ClientAppRow> {
  const redirectUris = input.redirectUris ?? [];
  checkRedirectUris(redirectUris);
  const embedOrigins = checkEmbedOrigins(input.embedOrigins ?? []);
  const now = ctx.clock.now();
  return ctx.database.db.transaction(async (tx) => {
    // An app that names no permissions asks for the org's default of its environment, as it stands now (Link
    // grants a connection what its client app asks for).
    const permissions = input.permissions ?? readDefaultConnectionPermissions((await store.findOrg(tx, scope.orgId))?.settings, scope.environment);
    const app = await store.insertClientApp(tx, {
      id: newId('app'),
      orgId: scope.orgId,
      environment: scope.environment,
      name: input.name,
      integrationType: input.integrationType ?? 'redirect',
      redirectUris,
      embedOrigins,
      permissions,
      profile: input.profile ?? {},
      returnsRawSession: input.returnsRawSession ?? false,
      createdAt: now,
      updatedAt: now,
    });
    await recordAuditEntry(tx, { orgId: scope.orgId, actor: scope.actor, action: 'client_app.created', target: app.id });
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
    await recordAuditEntry(tx, { orgId: scope.orgId, actor: scope.actor, action: 'client_app.updated', target: appId, data: { fields: Object.keys(input) } });
    return updated!;
  });
}

export async function deleteClientApp(ctx: ServiceContext, scope: ActingScope, appId: string): Promise<void> {
  await ctx.database.db.transaction(async (tx) => {
    const existing = await store.findClientApp(tx, scope, appId);
    if (!existing) throw notFound('Client app', appId);
    await store.deleteClientAppRow(tx, scope.orgId, appId);
    await recordAuditEntry(tx, { orgId: scope.orgId, actor: scope.actor, action: 'client_app.deleted', target: appId });
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
