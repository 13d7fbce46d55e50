// HTTP for link/: POST /v2/link/init, the whitelabel status API (GET, DELETE) with ofconnect's extensions for running
// the login from the platform's own UI, and the hosted pages (registered from pages/routes.ts).
import type { AuthContext } from '../account/authenticate.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import {
  cancelLinkSession,
  DEFAULT_LINK_USER_AGENT,
  findLinkSession,
  resendTwoFactorCode,
  submitCredentials,
  submitTwoFactorCode,
  type LinkSessionWithApp,
} from './flow.ts';
import { registerLinkAnalyticsRoutes } from './events/routes.ts';
import { initLinkSession } from './init.ts';
import { registerLinkPages } from './pages/routes.ts';
import { NOT_FOUND_STATUS, presentLinkStatus } from './present.ts';
import { registerLinkSessionListRoute } from './sessions-list.ts';
import * as S from './schemas.ts';

const TAGS = ['Link'];

/** A client secret of another org (or environment) is answered exactly like an unknown one. */
async function findOwnLinkSession(ctx: ServiceContext, auth: AuthContext, clientSecret: string): Promise<LinkSessionWithApp | null> {
  const linked = await findLinkSession(ctx, clientSecret);
  if (!linked || linked.session.orgId !== auth.orgId || linked.session.environment !== auth.environment) return null;
  return linked;
}

async function requireOwnLinkSession(ctx: ServiceContext, auth: AuthContext, clientSecret: string): Promise<LinkSessionWithApp> {
  const linked = await findOwnLinkSession(ctx, auth, clientSecret);
  if (!linked) throw new ApiError('RESOURCE_NOT_FOUND', 'Link session not found', { details: { field: 'clientSecret' } });
  return linked;
}

export function registerLinkRoutes(app: HttpApp, ctx: ServiceContext): void {
  registerLinkSessionListRoute(app, ctx);
  app.post('/v2/link/init', {
    config: { scope: 'link' },
    schema: {
      tags: TAGS,
      summary: 'Start a Link session',
      description:
        'Hosted/embed client apps get a Link URL; whitelabel apps get the client secret to drive the flow through the API. Expires in 30 minutes.',
      body: S.InitLinkSession,
      response: { 200: S.InitLinkSessionReply },
    },
  }, async (request) => initLinkSession(ctx, request.auth, request.body));

  app.get('/v2/link/:clientSecret', {
    config: { scope: 'link' },
    schema: {
      tags: TAGS,
      summary: 'Link session status (whitelabel / headless)',
      description: 'Unknown, cancelled, expired or foreign sessions answer {status:"not_found"}.',
      params: S.ClientSecretParams,
      response: { 200: S.LinkStatusReply },
    },
  }, async (request) => {
    const linked = await findOwnLinkSession(ctx, request.auth, request.params.clientSecret);
    return linked ? presentLinkStatus(ctx, linked) : NOT_FOUND_STATUS;
  });

  app.delete('/v2/link/:clientSecret', {
    config: { scope: 'link' },
    schema: { tags: TAGS, summary: 'Cancel a Link session', params: S.ClientSecretParams, response: { 200: S.DeleteLinkSessionReply } },
  }, async (request) => {
    const linked = await requireOwnLinkSession(ctx, request.auth, request.params.clientSecret);
    await cancelLinkSession(ctx, linked.session);
    return { success: true };
  });

  app.post('/v2/link/:clientSecret/login', {
    config: { scope: 'link' },
    schema: {
      tags: TAGS,
      summary: 'Submit the OnlyFans email and password (ofconnect extension)',
      description: 'The password is used for this login only; it is stored (encrypted) only if the org enabled storeCredentialsForRelogin.',
      params: S.ClientSecretParams,
      body: S.SubmitCredentials,
      response: { 200: S.LinkStatusReply },
    },
  }, async (request) => {
    const linked = await requireOwnLinkSession(ctx, request.auth, request.params.clientSecret);
    const { email, password, userAgent } = request.body;
    const session = await submitCredentials(ctx, linked, { email, password, userAgent: userAgent ?? DEFAULT_LINK_USER_AGENT });
    return presentLinkStatus(ctx, { ...linked, session });
  });

  for (const path of ['/v2/link/:clientSecret/2fa', '/v2/link/:clientSecret/otp']) {
    app.post(path, {
      config: { scope: 'link' },
      schema: {
        tags: TAGS,
        summary: path.endsWith('otp') ? 'Submit the 2FA code (alias of …/2fa)' : 'Submit the 2FA code (ofconnect extension)',
        params: S.ClientSecretParams,
        body: S.SubmitTwoFactorCode,
        response: { 200: S.LinkStatusReply },
      },
    }, async (request) => {
      const linked = await requireOwnLinkSession(ctx, request.auth, request.params.clientSecret);
      const session = await submitTwoFactorCode(ctx, linked, request.body.code.trim());
      return presentLinkStatus(ctx, { ...linked, session });
    });
  }

  app.post('/v2/link/:clientSecret/2fa/resend', {
    config: { scope: 'link' },
    schema: { tags: TAGS, summary: 'Ask OnlyFans for a new 2FA code (ofconnect extension)', params: S.ClientSecretParams, response: { 200: S.LinkStatusReply } },
  }, async (request) => {
    const linked = await requireOwnLinkSession(ctx, request.auth, request.params.clientSecret);
    const session = await resendTwoFactorCode(ctx, linked);
    return presentLinkStatus(ctx, { ...linked, session });
  });

  registerLinkAnalyticsRoutes(app, ctx);
  registerLinkPages(app, ctx);
}
