// Client apps: the integrations Link runs for (name, integration type, redirect URIs, embed origins, permissions).
import type { ServiceContext } from '../platform/context.ts';
import type { Environment } from '../platform/environment.ts';
import { ApiError, badRequest, notFound } from '../platform/errors.ts';
import { logoPath, readLogoSource, type PreparedLogo } from '../link/branding/logo.ts';
import { deleteClientAppLogo, saveClientAppLogo } from '../link/branding/logo-store.ts';
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

/** The profile's end-user links: https, and no control characters (CR/LF/NUL) that could split a header or a line. */
function checkEndUserUrls(profile: CreateClientAppInput['profile']): void {
  for (const key of ['privacyPolicyUrl', 'termsUrl'] as const) {
    const value = profile?.[key];
    if (value === undefined || value === null) continue;
    const field = `profile.${key}`;
    if (/[\u0000-\u001f\u007f]/.test(value)) throw badRequest(`${field} must not contain control characters (CR, LF, NUL)`, field);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw badRequest(`${field} must be an absolute https URL`, field);
    }
    if (url.protocol !== 'https:') throw badRequest(`${field} must be an https URL`, field);
    if (url.username || url.password) throw badRequest(`${field} must not contain credentials`, field);
  }
}

/** The logo named by a create or update, fetched or decoded and re-encoded before any transaction starts. */
async function prepareLogoInput(ctx: ServiceContext, logo: CreateClientAppInput['logo']): Promise<PreparedLogo | null | undefined> {
  if (logo === undefined || logo === null) return logo;
  return readLogoSource(ctx.config, logo, 'logo');
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
  checkEndUserUrls(input.profile);
  const logo = await prepareLogoInput(ctx, input.logo);
  const now = ctx.clock.now();
  const { environment: _environment, logo: _logo, ...fields } = input;
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
      displayName: fields.displayName ?? null,
      brandColor: fields.brandColor?.toLowerCase() ?? null,
      logoHash: logo?.hash ?? null,
      createdAt: now,
      updatedAt: now,
    });
    if (logo) await saveClientAppLogo(tx, { orgId: scope.orgId, appId: app.id }, logo, now);
    await recordAuditEntry(tx, { orgId: scope.orgId, environment, actor: scope.actor, action: 'client_app.created', target: app.id, data: { environment } });
    return app;
  });
}

export async function updateClientApp(ctx: ServiceContext, scope: ActingScope, appId: string, input: UpdateClientAppInput): Promise<ClientAppRow> {
  if (input.redirectUris) checkRedirectUris(input.redirectUris);
  const embedOrigins = input.embedOrigins ? checkEmbedOrigins(input.embedOrigins) : undefined;
  checkEndUserUrls(input.profile);
  const logo = await prepareLogoInput(ctx, input.logo);
  const { logo: _logo, ...fields } = input;
  return ctx.database.db.transaction(async (tx) => {
    const existing = await store.findClientApp(tx, scope, appId);
    if (!existing) throw notFound('Client app', appId);
    const now = ctx.clock.now();
    const updated = await store.updateClientAppRow(tx, scope.orgId, appId, {
      ...fields,
      ...(embedOrigins ? { embedOrigins } : {}),
      ...(fields.brandColor ? { brandColor: fields.brandColor.toLowerCase() } : {}),
      ...(logo === undefined ? {} : { logoHash: logo?.hash ?? null }),
      updatedAt: now,
    });
    if (logo) await saveClientAppLogo(tx, { orgId: scope.orgId, appId }, logo, now);
    if (logo === null) await deleteClientAppLogo(tx, { orgId: scope.orgId, appId });
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
    displayName: app.displayName,
    brandColor: app.brandColor,
    logoUrl: app.logoHash ? logoPath(app.logoHash) : null,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}
