// POST /v2/link/init: picks the client app, checks the redirect URL and the connection to reconnect, and opens a
// Link session that expires in 30 minutes.
import { supportedLocaleOf } from './i18n/catalogue.ts';
import { isAllowedRedirect } from '../account/redirect-uris.ts';
import { findClientApp, listClientApps, type ClientAppRow } from '../account/store.ts';
import { linkedConnectionOf } from '../connections/linked-connections.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError, badRequest, notFound } from '../platform/errors.ts';
import { randomBase62 } from '../platform/ids.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { hashClientSecret, newClientSecret } from './client-secret.ts';
import type { InitLinkSessionInput, InitLinkSessionOutput } from './schemas.ts';
import { insertLinkSession } from './store.ts';

export const LINK_SESSION_LIFETIME_MS = 30 * 60_000;

type IntegrationType = ClientAppRow['integrationType'];

/** The deprecated `mode` names OFAuth accepted, as integration types. */
const MODE_HINTS: Record<NonNullable<InitLinkSessionInput['mode']>, IntegrationType> = {
  redirect: 'redirect',
  hosted: 'redirect',
  embed: 'embed',
  whitelabel: 'whitelabel',
};

async function pickClientApp(ctx: ServiceContext, scope: TenantScope, input: InitLinkSessionInput) {
  if (input.clientAppId) {
    const app = await findClientApp(ctx.database.db, scope, input.clientAppId);
    if (!app) throw notFound('Client app', input.clientAppId);
    return app;
  }
  // OFAuth: "the first matching client app for your environment"; the deprecated mode says which kind matches.
  const apps = await listClientApps(ctx.database.db, scope);
  const hinted = input.mode ? apps.find((app) => app.integrationType === MODE_HINTS[input.mode!]) : undefined;
  const app = hinted ?? apps[0];
  if (!app) throw noClientApp(ctx, scope);
  return app;
}

/**
 * What a first live Link init meets: the first-start app is a sandbox one. The message says which call makes a live
 * app, with a body to copy; details carry the same for code.
 */
function noClientApp(ctx: ServiceContext, scope: TenantScope): ApiError {
  const body = { name: 'My app', redirectUris: ['https://app.example.com/ofconnect/callback'] };
  const keyPrefix = `sk_${scope.environment}_…`;
  const curl =
    `curl -X POST ${ctx.publicOrigin()}/v2/client-apps -H 'apikey: ${keyPrefix}' -H 'content-type: application/json' ` +
    `-d '${JSON.stringify(body)}'`;
  return new ApiError(
    'RESOURCE_NOT_FOUND',
    `No client app exists for the ${scope.environment} environment. Link needs one (it names where users return to): ` +
      `create it with a ${scope.environment} admin key, e.g. ${curl} (redirectUris must be https, or http on localhost), ` +
      'then call POST /v2/link/init again',
    {
      details: {
        field: 'clientAppId',
        environment: scope.environment,
        createWith: { method: 'POST', path: '/v2/client-apps', apikey: keyPrefix, body },
      },
    },
  );
}

function pickRedirectUrl(app: ClientAppRow, requested: string | undefined): string | null {
  if (requested === undefined) return app.redirectUris[0] ?? null;
  if (!isAllowedRedirect(requested, app.redirectUris)) {
    throw badRequest(`redirectUrl is not one of the allowed redirect URIs of client app ${app.id}`, 'redirectUrl', {
      allowed: app.redirectUris,
    });
  }
  return requested;
}

export async function initLinkSession(
  ctx: ServiceContext,
  scope: TenantScope,
  input: InitLinkSessionInput,
): Promise<InitLinkSessionOutput> {
  const app = await pickClientApp(ctx, scope, input);
  const redirectUrl = pickRedirectUrl(app, input.redirectUrl);
  if (input.connectionId) {
    const connection = await linkedConnectionOf(ctx, scope, input.connectionId);
    if (!connection) throw new ApiError('RESOURCE_NOT_FOUND', `Connection ${input.connectionId} not found`, { details: { field: 'connectionId' } });
  }

  const clientSecret = newClientSecret();
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + LINK_SESSION_LIFETIME_MS);
  await insertLinkSession(ctx.database.db, {
    // Not cs_…: the row id is internal and must never be mistaken for the client secret.
    id: `link_${randomBase62(20)}`,
    orgId: scope.orgId,
    environment: scope.environment,
    clientAppId: app.id,
    secretHash: hashClientSecret(clientSecret),
    redirectUrl,
    clientReferenceId: input.clientReferenceId ?? null,
    connectionId: input.connectionId ?? null,
    geolocation: input.geolocation ?? null,
    status: 'initialized',
    expiresAt,
    createdAt: now,
    updatedAt: now,
  });
  if (app.integrationType === 'whitelabel') return { mode: 'whitelabel', clientSecret, expiresAt: expiresAt.toISOString() };
  // The page language rides on the URL (the embed script keeps the query), so the pages need no stored state for it.
  const locale = input.locale ? supportedLocaleOf(input.locale) : null;
  const query = locale ? `?locale=${locale}` : '';
  return { mode: 'hosted', url: `${ctx.publicOrigin()}/link/${clientSecret}${query}`, expiresAt: expiresAt.toISOString() };
}
