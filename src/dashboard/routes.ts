// HTTP for the dashboard: the page at /dashboard (and every path under it, which the client app routes), its hashed
// files, `GET /` sending a browser there, and the session routes: sign-in exchanges an admin API key (apikey header,
// checked by the same authenticator as every /v2 route) for a sealed session cookie; the app then calls /v2 with it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { findOrg } from '../account/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import { sendStaticAsset } from '../platform/http/static-asset.ts';
import { loadDashboardAssets, type DashboardAssets } from './assets.ts';
import * as S from './schemas.ts';
import { isDashboardSession, type DashboardSessions } from './session-auth.ts';
import { clearedCookieHeader, newSession, sealSession, SESSION_TTL_MS, sessionCookieHeader, type CookieOptions, type DashboardSession } from './session-cookie.ts';
import { applyShellHeaders, NOT_BUILT_HTML, shellHtml } from './shell.ts';

const HIDDEN = { hide: true } as const;
const TAGS = ['Dashboard'];
const AssetParams = Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9_.-]+$', maxLength: 128 }) });

/** Actions whose body is empty may be POSTed without one (as fetch does). */
async function bodyIsOptional(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

export function registerDashboardRoutes(app: HttpApp, ctx: ServiceContext, sessions: DashboardSessions): void {
  const assets = loadDashboardAssets();
  if (!assets) ctx.logger.warn('the dashboard is not built (dist/dashboard): /dashboard answers 503 until `npm run build`');

  const cookieOptions = (request: FastifyRequest): CookieOptions => ({
    isSecure: request.protocol === 'https' || (ctx.config.publicUrl?.startsWith('https:') ?? false),
  });

  app.get('/', { schema: HIDDEN }, async (_request, reply) => reply.redirect('/dashboard', 302));

  const sendShell = async (_request: FastifyRequest, reply: FastifyReply) => {
    applyShellHeaders(reply);
    if (!assets) return reply.code(503).send(NOT_BUILT_HTML);
    return reply.send(shellHtml(assets));
  };
  app.get('/dashboard', { schema: HIDDEN }, sendShell);
  app.get('/dashboard/*', { schema: HIDDEN }, sendShell);

  app.get('/dashboard/assets/:file', { schema: { hide: true, params: AssetParams } }, async (request, reply) => {
    const file = assets?.files.get(request.params.file);
    if (!file) throw new ApiError('ROUTE_NOT_FOUND', `No dashboard file ${request.params.file}`);
    return sendStaticAsset(request, reply, file);
  });

  const describe = async (session: DashboardSession) => {
    const org = await findOrg(ctx.database.db, session.orgId);
    return {
      orgId: session.orgId,
      orgName: org?.name ?? null,
      keyId: session.keyId,
      environment: session.environment,
      expiresAt: new Date(session.expiresAt).toISOString(),
      csrfToken: session.csrfToken,
    };
  };

  app.post('/dashboard/session', {
    config: { scope: 'admin' },
    preValidation: bodyIsOptional,
    schema: {
      tags: TAGS,
      summary: 'Sign in to the dashboard: exchanges the admin API key in the apikey header for a session cookie (12 hours)',
      body: S.SignInBody,
      response: { 201: S.DashboardSession },
    },
  }, async (request, reply) => {
    // A session signs in again with its key, not with itself: otherwise a session would extend itself forever.
    if (isDashboardSession(request.auth)) {
      throw new ApiError('UNAUTHORIZED', 'Sign in with an admin API key in the apikey header', { details: { field: 'apikey' } });
    }
    const session = newSession(request.auth, ctx.clock.now().getTime());
    reply.header('set-cookie', sessionCookieHeader(sealSession(ctx.vault, session), SESSION_TTL_MS / 1000, cookieOptions(request)));
    reply.header('cache-control', 'no-store');
    return reply.code(201).send(await describe(session));
  });

  app.get('/dashboard/session', {
    config: { scope: 'admin' },
    schema: { tags: TAGS, summary: 'The dashboard session of the request\'s cookie, with its CSRF token', response: { 200: S.DashboardSession } },
  }, async (request, reply) => {
    const session = isDashboardSession(request.auth) ? sessions.sessionOf(request) : null;
    if (!session) throw new ApiError('RESOURCE_NOT_FOUND', 'No dashboard session: this request was authenticated by its apikey header');
    reply.header('cache-control', 'no-store');
    return describe(session);
  });

  app.delete('/dashboard/session', {
    config: { scope: 'admin' },
    schema: { tags: TAGS, summary: 'Sign out of the dashboard (the session cookie is cleared)', response: { 200: S.SignedOut } },
  }, async (request, reply) => {
    reply.header('set-cookie', clearedCookieHeader(cookieOptions(request)));
    reply.header('cache-control', 'no-store');
    return { signedOut: isDashboardSession(request.auth) };
  });
}
