// HTTP for the hosted Link pages (/link/{clientSecret}…), their assets, the embed script and the dev callback.
// Pages follow post/redirect/get: every form post changes the Link session through flow.ts, then the browser is sent
// to GET /link/{clientSecret}, which renders whatever state the session is in.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packagePath } from '../../platform/package-root.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { readOrgSettings } from '../../account/settings.ts';
import { findOrg } from '../../account/store.ts';
import { linkedConnectionOf } from '../../connections/linked-connections.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { ApiError } from '../../platform/errors.ts';
import type { HttpApp } from '../../platform/http/http-app.ts';
import {
  cancelLinkSession,
  DEFAULT_LINK_USER_AGENT,
  findLinkSession,
  hasExpired,
  MAX_FAILED_ATTEMPTS,
  resendTwoFactorCode,
  submitCredentials,
  submitTwoFactorCode,
  type LinkSessionWithApp,
  type StoredTwoFactorState,
} from '../flow.ts';
import { isLinkFailureReason, redirectErrorCodeOf } from '../outcomes.ts';
import { presentTwoFactorState } from '../present.ts';
import { cancelRedirectUrl, errorRedirectUrl, redirectOrigin, successRedirectUrl, type CancelStep } from '../redirect.ts';
import type { LinkSessionRow } from '../store.ts';
import { takeLinkPageEvents, type HostEventMessage } from '../events/record.ts';
import { logoPath } from '../branding/logo.ts';
import { registerBrandingRoutes } from '../branding/routes.ts';
import { translator, type MessageKey, type Translate } from '../i18n/catalogue.ts';
import { restartLinkSession, canRestartAfter } from '../restart.ts';
import { issueFormToken, isValidFormToken } from './csrf.ts';
import { embedRefusal, pageQuery, readPageOptions, type PageOptions } from './page-options.ts';
import { applyAssetHeaders, applyPageSecurityHeaders, type PageSecurity } from './security-headers.ts';
import {
  brandOf,
  consentView,
  credentialsView,
  devCallbackView,
  outcomeView,
  pendingView,
  successView,
  twoFactorView,
  type EmbedMessage,
  type ExitStep,
  type FormContext,
  type PageFrame,
  type SandboxAccountHint,
} from './views.ts';

const optionsOf = (request: FastifyRequest) => readPageOptions(request.query as Record<string, unknown>, request.headers['accept-language']);

const ASSETS_DIR = packagePath('src/link/assets');
const HIDDEN = { hide: true } as const;
const PageParams = Type.Object({ clientSecret: Type.String({ pattern: '^cs_[A-Za-z0-9]+$', maxLength: 128 }) });
/** The largest form post the pages read: their forms hold an email, a password, a code and a CSRF token. */
const FORM_BODY_LIMIT = 16_384;
const CANCEL_STEPS: readonly CancelStep[] = ['pre-login', 'authorization', 'login', '2fa'];

/** Everything a page about one Link session needs. */
interface PageScope {
  linked: LinkSessionWithApp;
  secret: string;
  options: PageOptions;
  /** The embedding is allowed (or the page is not embedded). */
  refusal: string | null;
  /** Accounts to try the flow with (the session's environment says which; null for live). */
  testAccounts: readonly SandboxAccountHint[] | null;
  /** Named steps the embedding host has not heard yet (link/events/): posted before the page's own messages. */
  hostEvents?: HostEventMessage[];
}

type FormBody = Record<string, string | undefined>;

function readAsset(name: string): string {
  return readFileSync(path.join(ASSETS_DIR, name), 'utf8');
}

export function registerLinkPages(app: HttpApp, ctx: ServiceContext): void {
  const assets = { css: readAsset('link.css'), js: readAsset('link.js'), embed: readAsset('embed.js') };
  registerBrandingRoutes(app, ctx);

  app.get('/link/assets/link.css', { schema: HIDDEN }, async (_request, reply) => {
    applyAssetHeaders(reply, 'text/css; charset=utf-8', { isCrossOrigin: false });
    return assets.css;
  });
  app.get('/link/assets/link.js', { schema: HIDDEN }, async (_request, reply) => {
    applyAssetHeaders(reply, 'text/javascript; charset=utf-8', { isCrossOrigin: false });
    return assets.js;
  });
  app.get('/link/embed.js', { schema: HIDDEN }, async (_request, reply) => {
    applyAssetHeaders(reply, 'text/javascript; charset=utf-8', { isCrossOrigin: true });
    return assets.embed;
  });
  // A stand-in redirect target for trying Link locally; production has real apps to return to, so it is not served.
  if (!ctx.config.isProduction) {
    app.get('/link/dev-callback', { schema: HIDDEN }, async (request, reply) => {
      const query = Object.fromEntries(Object.entries(request.query as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
      return sendPage(reply, 200, devCallbackView(query), { frameAncestors: null, formTargets: [] });
    });
  }

  // Form posts are urlencoded and nothing else: the page routes take no JSON (a JSON or any other body is 415),
  // forms are at most 16 KB (413), and every refusal is an HTML page.
  app.register(async (pages) => {
    pages.removeAllContentTypeParsers();
    pages.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    pages.setErrorHandler((error: Error & { validation?: unknown; statusCode?: number; code?: string }, request, reply) => {
      const options = optionsOf(request);
      if (error.validation) return sendNotice(reply, 404, options, 'invalid.heading', 'invalid.body', true);
      const clientError = clientErrorNotice(error);
      if (clientError) {
        // A request the browser (or a prober) got wrong, not a fault of ours: below error level.
        request.log.info({ code: error.code, status: clientError.status }, 'link page request refused');
        return sendNotice(reply, clientError.status, options, clientError.heading, clientError.message, false);
      }
      request.log.error({ err: error }, 'link page failed');
      return sendNotice(reply, 500, options, 'error.heading', 'error.generic', false);
    });

    pages.get('/link/:clientSecret', { schema: { hide: true, params: PageParams } }, async (request, reply) => {
      const scope = await loadScope(ctx, request, reply);
      if (!scope) return reply;
      scope.hostEvents = await takeLinkPageEvents(ctx, scope.linked.session, (request.query as Record<string, unknown>).screen);
      return renderState(ctx, scope, request, reply);
    });

    pages.post('/link/:clientSecret/login', { schema: { hide: true, params: PageParams } }, async (request, reply) => {
      const scope = await loadScopeForPost(ctx, request, reply);
      if (!scope) return reply;
      const body = (request.body ?? {}) as FormBody;
      const email = (body.email ?? '').trim();
      const password = body.password ?? '';
      if (!email || !password) {
        const problem = { message: tOf(scope)('login.enterBoth') };
        return sendPage(reply, 400, await credentialsPage(ctx, scope, problem, email), securityFor(scope));
      }
      const userAgent = request.headers['user-agent'] || DEFAULT_LINK_USER_AGENT;
      try {
        const session = await submitCredentials(ctx, scope.linked, { email, password, userAgent });
        const next = { ...scope, linked: { ...scope.linked, session } };
        // A wrong password is answered here rather than by redirect, so the email typed is still in the field.
        if (session.status === 'invalid_credentials') {
          // This page is not reached through GET, so it hands the host the steps this post recorded itself.
          next.hostEvents = await takeLinkPageEvents(ctx, session, undefined);
          return sendPage(reply, 200, await retryCredentialsPage(ctx, next, email), securityFor(next));
        }
        return afterChange(ctx, next, reply);
      } catch (error) {
        return handleFlowError(ctx, scope, reply, error, 'login', email);
      }
    });

    pages.post('/link/:clientSecret/2fa', { schema: { hide: true, params: PageParams } }, async (request, reply) => {
      const scope = await loadScopeForPost(ctx, request, reply);
      if (!scope) return reply;
      const code = ((request.body ?? {}) as FormBody).code?.trim() ?? '';
      if (!/^[0-9A-Za-z]{4,16}$/.test(code)) return redirectToState(scope, reply, { problem: 'format' });
      try {
        const session = await submitTwoFactorCode(ctx, scope.linked, code);
        return afterChange(ctx, { ...scope, linked: { ...scope.linked, session } }, reply);
      } catch (error) {
        return handleFlowError(ctx, scope, reply, error, '2fa');
      }
    });

    pages.post('/link/:clientSecret/2fa/resend', { schema: { hide: true, params: PageParams } }, async (request, reply) => {
      const scope = await loadScopeForPost(ctx, request, reply);
      if (!scope) return reply;
      try {
        await resendTwoFactorCode(ctx, scope.linked);
        return redirectToState(scope, reply, { sent: '1' });
      } catch (error) {
        return handleFlowError(ctx, scope, reply, error, '2fa');
      }
    });

    pages.post('/link/:clientSecret/cancel', { schema: { hide: true, params: PageParams } }, async (request, reply) => {
      const scope = await loadScopeForPost(ctx, request, reply);
      if (!scope) return reply;
      const body = (request.body ?? {}) as FormBody;
      const step = CANCEL_STEPS.find((s) => s === body.step) ?? 'pre-login';
      const exitType = body.exit_type === 'forced_exit' ? 'forced_exit' : 'user_exit';
      const cancelled = await cancelLinkSession(ctx, scope.linked.session);
      if (!cancelled) return redirectToState(scope, reply);
      const url = cancelRedirectUrl(cancelled, step);
      if (!scope.options.isEmbed && url) return reply.code(303).redirect(url);
      const exitStep: ExitStep = step === 'authorization' ? 'pre-login' : step;
      const frame = frameFor(scope, 'cancelled.title', exitStep, [{ event: 'exit', metadata: { type: exitType, step: exitStep, error: null } }]);
      const t = tOf(scope);
      return sendPage(reply, 200, outcomeView(frame, { heading: t('cancelled.heading'), message: t('cancelled.body'), returnUrl: url, appName: appNameOf(scope), exit: null, isBad: false }), securityFor(scope));
    });

    // "Use another account" after a failure that another account can get past: the sign-in starts over.
    pages.post('/link/:clientSecret/restart', { schema: { hide: true, params: PageParams } }, async (request, reply) => {
      const scope = await loadScopeForPost(ctx, request, reply);
      if (!scope) return reply;
      const restarted = await restartLinkSession(ctx, scope.linked.session);
      return redirectToState(scope, reply, restarted ? { screen: 'login' } : {});
    });
  });
}

/** The framework's own 4xx refusals of a page request (wrong content type, body too large, unreadable body), worded for a person. */
function clientErrorNotice(error: { statusCode?: number }): { status: number; heading: MessageKey; message: MessageKey } | null {
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500) return null;
  if (status === 413) return { status, heading: 'form.tooLarge', message: 'form.tooLargeBody' };
  return { status, heading: 'form.rejected', message: 'form.unreadable' };
}

// ---- loading and guarding -----------------------------------------------------------------------------------

async function loadScope(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply): Promise<PageScope | null> {
  const { clientSecret } = request.params as { clientSecret: string };
  const options = optionsOf(request);
  const linked = await findLinkSession(ctx, clientSecret);
  if (!linked) {
    sendNotice(reply, 404, options, 'invalid.heading', 'invalid.body', true);
    return null;
  }
  const scope: PageScope = {
    linked,
    secret: clientSecret,
    options,
    refusal: embedRefusal(options, linked.app),
    testAccounts: ctx.upstreams.testAccountsOf(linked.session.environment),
  };
  if (scope.refusal) {
    // Framed only by the app's own origins: a parent that is not one of them is blocked by the browser (CSP).
    const t = translator(options.locale);
    const brand = brandOf(linked.app, linked.app.logoHash ? logoPath(linked.app.logoHash) : null);
    const heading = t('embedRefused.heading');
    const frame: PageFrame = { title: heading, brand, options: { ...options, embedOrigin: null }, step: 'error' };
    // The parent's origin is a developer's detail: it goes to the log, the person reads what to do.
    request.log.info({ reason: scope.refusal }, 'link page embedding refused');
    sendPage(reply, 400, outcomeView(frame, { heading, message: t('embedRefused.body', { app: brand.name }), returnUrl: null, appName: brand.name, exit: null }), {
      frameAncestors: linked.app.embedOrigins,
      formTargets: [],
    });
    return null;
  }
  return scope;
}

/** Same as loadScope, plus the CSRF checks every form post must pass. */
async function loadScopeForPost(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply): Promise<PageScope | null> {
  const scope = await loadScope(ctx, request, reply);
  if (!scope) return null;
  const body = (request.body ?? {}) as FormBody;
  if (Object.keys(body).length === 0) {
    // Every page form sends at least its token: an empty post is not one of ours.
    const t = tOf(scope);
    sendPage(reply, 400, outcomeView(frameFor(scope, 'form.rejected', 'error'), {
      heading: t('form.rejected'),
      message: t('form.empty'),
      returnUrl: null,
      appName: appNameOf(scope),
      exit: null,
    }), securityFor(scope));
    return null;
  }
  const isSameOrigin = isSameOriginPost(ctx, request);
  if (!isSameOrigin || !isValidFormToken(ctx.vault, scope.linked.session.id, body.csrf)) {
    const t = tOf(scope);
    const frame = frameFor(scope, 'form.rejected', 'error');
    sendPage(reply, 403, outcomeView(frame, {
      heading: t('form.rejected'),
      message: t('form.expired'),
      returnUrl: null,
      appName: appNameOf(scope),
      exit: null,
    }), securityFor(scope));
    return null;
  }
  return scope;
}

/**
 * The token already proves the form came from our page; this refuses posts a browser marks as cross-site. With
 * Referrer-Policy no-referrer, Chromium sends `Origin: null` on our own posts, so Sec-Fetch-Site is what decides then.
 */
function isSameOriginPost(ctx: ServiceContext, request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (!origin || origin === 'null') return true;
  return origin === `${request.protocol}://${request.host}` || origin === ctx.publicOrigin();
}

// ---- rendering ------------------------------------------------------------------------------------------------

function sendPage(reply: FastifyReply, status: number, body: string, security: PageSecurity): FastifyReply {
  applyPageSecurityHeaders(reply, security);
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

/** A page that is not about a usable session. Embedded, it tells the parent the session is invalid. */
function sendNotice(reply: FastifyReply, status: number, options: PageOptions, headingKey: MessageKey, messageKey: MessageKey, isInvalidSession: boolean): FastifyReply {
  const messages: EmbedMessage[] = isInvalidSession ? [{ event: 'invalid_session' }] : [];
  const t = translator(options.locale);
  const [heading, message] = [t(headingKey), t(messageKey)];
  const frame: PageFrame = { title: heading, brand: null, options, step: 'error', messages };
  // Nothing here acts or reveals anything, so any parent may frame it and hear invalid_session.
  return sendPage(reply, status, outcomeView(frame, { heading, message, returnUrl: null, appName: null, exit: null }), {
    frameAncestors: options.isEmbed && options.embedOrigin ? ['*'] : null,
    formTargets: [],
  });
}

function securityFor(scope: PageScope): PageSecurity {
  const target = redirectOrigin(scope.linked.session);
  return {
    frameAncestors: scope.options.isEmbed ? scope.linked.app.embedOrigins : null,
    formTargets: target ? [target] : [],
  };
}

function tOf(scope: PageScope): Translate {
  return translator(scope.options.locale);
}

/** The name end users see: the app's display name, else its name. */
function appNameOf(scope: PageScope): string {
  return scope.linked.app.displayName ?? scope.linked.app.name;
}

function frameFor(scope: PageScope, title: MessageKey | { text: string }, step: ExitStep, messages: EmbedMessage[] = []): PageFrame {
  const accounts = scope.testAccounts;
  const sandboxInfo: EmbedMessage[] = accounts
    ? [{ event: 'sandbox_info', metadata: { scenarios: accounts, activeScenarioId: 'creator', currentScreen: step } }]
    : [];
  return {
    title: typeof title === 'string' ? tOf(scope)(title) : title.text,
    brand: brandOf(scope.linked.app, scope.linked.app.logoHash ? logoPath(scope.linked.app.logoHash) : null),
    options: scope.options,
    step,
    messages: [...sandboxInfo, ...(scope.hostEvents ?? []), ...messages],
    sandbox: accounts,
  };
}

function formFor(ctx: ServiceContext, scope: PageScope): FormContext {
  return { secret: scope.secret, options: scope.options, csrf: issueFormToken(ctx.vault, scope.linked.session.id) };
}

function redirectToState(scope: PageScope, reply: FastifyReply, extra: Record<string, string> = {}): FastifyReply {
  return reply.code(303).redirect(`/link/${scope.secret}${pageQuery(scope.options, extra)}`);
}

/** After a post changed the session: straight back to the app on success (hosted), otherwise show the new state. */
function afterChange(ctx: ServiceContext, scope: PageScope, reply: FastifyReply): FastifyReply {
  const { session } = scope.linked;
  if (session.status === 'completed' && !scope.options.isEmbed && session.resultConnectionId) {
    const url = successRedirectUrl(session, session.resultConnectionId);
    if (url) return reply.code(303).redirect(url);
  }
  return redirectToState(scope, reply);
}

async function handleFlowError(ctx: ServiceContext, scope: PageScope, reply: FastifyReply, error: unknown, step: 'login' | '2fa', email = ''): Promise<FastifyReply> {
  if (!(error instanceof ApiError)) throw error;
  // The session moved on (expired, another tab): the page for its current state says what happened.
  if (error.type === 'RESOURCE_NOT_FOUND' || error.type === 'CONFLICT') return redirectToState(scope, reply);
  // Worded for the end user in the page's language; the developer message is never shown here.
  const message = tOf(scope)(flowErrorMessage(error));
  const status = error.type === 'RATE_LIMIT_EXCEEDED' ? 429 : error.type === 'BAD_REQUEST' ? 400 : 503;
  // Rendered in place of a redirect: the steps this post recorded (the error among them) reach the host with it.
  scope.hostEvents = await takeLinkPageEvents(ctx, scope.linked.session, undefined);
  if (step === 'login') return sendPage(reply, status, await credentialsPage(ctx, scope, { message }, email), securityFor(scope));
  return sendPage(reply, status, twoFactorPage(ctx, scope, message, null), securityFor(scope));
}

/** The catalogue entry for an error flow.ts threw (its userMessage is English; the page speaks the user's language). */
function flowErrorMessage(error: ApiError): MessageKey {
  if (error.type === 'RATE_LIMIT_EXCEEDED') return 'error.rateLimited';
  if (error.type === 'SESSION_EXPIRED') return 'expired.heading';
  if (error.type === 'BAD_REQUEST' && /new code/i.test(error.userMessage)) return 'error.noMoreCodes';
  if (error.type === 'UPSTREAM_UNAVAILABLE' || error.type === 'UPSTREAM_ERROR') return 'error.unavailable';
  return 'error.generic';
}

/** A failure reason's message in the page's language (the app's name filled in). */
function failureMessage(scope: PageScope, reason: string | null | undefined): string {
  const t = tOf(scope);
  if (!isLinkFailureReason(reason)) return t('error.generic');
  return t(`failure.${reason}.body` as MessageKey, { app: appNameOf(scope) });
}

async function operatorOf(ctx: ServiceContext, scope: PageScope): Promise<{ name: string; storesCredentials: boolean }> {
  const org = await findOrg(ctx.database.db, scope.linked.session.orgId);
  return { name: org?.name || appNameOf(scope), storesCredentials: readOrgSettings(org?.settings).storeCredentialsForRelogin };
}

async function credentialsPage(ctx: ServiceContext, scope: PageScope, problem: { message: string; attemptsLeft?: number } | null, email: string): Promise<string> {
  const operator = await operatorOf(ctx, scope);
  return credentialsView(frameFor(scope, 'login.title', 'login'), formFor(ctx, scope), {
    problem,
    email,
    storesCredentials: operator.storesCredentials,
    operator: operator.name,
    canGoBack: scope.linked.session.status === 'initialized',
  });
}

function retryCredentialsPage(ctx: ServiceContext, scope: PageScope, email: string): Promise<string> {
  const { session } = scope.linked;
  return credentialsPage(ctx, scope, { message: failureMessage(scope, session.errorCode), attemptsLeft: Math.max(0, MAX_FAILED_ATTEMPTS - session.failedAttempts) }, email);
}

function twoFactorPage(ctx: ServiceContext, scope: PageScope, problem: string | null, notice: string | null): string {
  const state = presentTwoFactorState(scope.linked.session);
  const stored = (scope.linked.session.twoFactorState ?? {}) as Partial<StoredTwoFactorState>;
  return twoFactorView(
    frameFor(scope, 'twofa.title', '2fa'),
    formFor(ctx, scope),
    {
      codeSentBy: state.options.includes('phone') ? 'phone' : stored.isCodeByEmail ? 'email' : null,
      ...(state.phoneLast4 ? { phoneLast4: state.phoneLast4 } : {}),
      attemptsLeft: state.attemptsLeft ?? 0,
      resendsLeft: ((scope.linked.session.twoFactorState ?? {}) as { resendsLeft?: number }).resendsLeft ?? 0,
    },
    problem,
    notice,
  );
}

async function renderState(ctx: ServiceContext, scope: PageScope, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { session, app } = scope.linked;
  const query = request.query as Record<string, unknown>;
  const security = securityFor(scope);
  const now = ctx.clock.now();

  if (hasExpired(session, now)) return sendExpired(scope, reply);
  switch (session.status) {
    case 'initialized':
      if (query.screen === 'login') return sendPage(reply, 200, await credentialsPage(ctx, scope, null, ''), security);
      return sendPage(reply, 200, consentView(frameFor(scope, 'consent.title', 'pre-login'), formFor(ctx, scope), app, {
        isReconnect: session.connectionId !== null,
      }), security);
    case 'invalid_credentials':
      return sendPage(reply, 200, await retryCredentialsPage(ctx, scope, ''), security);
    case 'pending':
      return sendPage(reply, 200, pendingView({ ...frameFor(scope, 'pending.title', 'login'), refreshSeconds: 2 }), security);
    case 'awaiting_2fa': {
      const t = tOf(scope);
      const problem = query.problem === 'format' ? t('twofa.enterDigits') : session.errorCode ? failureMessage(scope, session.errorCode) : null;
      const notice = query.sent === '1' ? t('twofa.sent') : null;
      return sendPage(reply, 200, twoFactorPage(ctx, scope, problem, notice), security);
    }
    case 'completed':
      if (now.getTime() >= session.expiresAt.getTime()) return sendUsed(scope, reply);
      return sendSuccess(ctx, scope, reply);
    case 'denied':
    case 'failed':
      return sendFailure(ctx, scope, reply);
    default:
      return sendUsed(scope, reply);
  }
}

async function sendSuccess(ctx: ServiceContext, scope: PageScope, reply: FastifyReply): Promise<FastifyReply> {
  const { session, app } = scope.linked;
  const connection = await linkedConnectionOf(ctx, { orgId: session.orgId, environment: session.environment }, session.resultConnectionId ?? '');
  if (!connection) return sendUsed(scope, reply);
  const { userData } = connection;
  const successUrl = successRedirectUrl(session, connection.id);
  const metadata = {
    successUrl,
    // Redirect apps expect the browser to land on their redirect URL; embed apps handle onSuccess themselves.
    redirect: app.integrationType === 'redirect' && successUrl !== null,
    connection: { id: connection.id, userData },
    user: userData,
  };
  const frame = frameFor(scope, 'success.title', 'success', [{ event: 'success', metadata }]);
  const continueUrl = scope.options.isEmbed ? null : successUrl;
  return sendPage(reply, 200, successView(frame, { username: userData.username, appName: appNameOf(scope), continueUrl }), securityFor(scope));
}

function sendFailure(ctx: ServiceContext, scope: PageScope, reply: FastifyReply): FastifyReply {
  const { session } = scope.linked;
  const t = tOf(scope);
  const code = redirectErrorCodeOf(session.errorCode);
  const isDenied = session.status === 'denied';
  const reason = isLinkFailureReason(session.errorCode) ? session.errorCode : null;
  const heading = isDenied ? t('failure.tooMany.heading') : reason ? t(`failure.${reason}.heading` as MessageKey) : t('error.heading');
  const message = isDenied ? t('failure.tooMany.body', { n: MAX_FAILED_ATTEMPTS, app: appNameOf(scope) }) : failureMessage(scope, session.errorCode);
  // The host hears the failure in English, whatever the page's language: it is read by developers and logs.
  const englishMessage = isDenied
    ? translator('en')('failure.tooMany.body', { n: MAX_FAILED_ATTEMPTS, app: appNameOf(scope) })
    : reason
      ? translator('en')(`failure.${reason}.body` as MessageKey, { app: appNameOf(scope) })
      : translator('en')('error.generic');
  const exit = { type: 'error', step: 'error', error: { error_type: code, error_message: englishMessage } };
  const frame = frameFor(scope, { text: heading }, 'error');
  return sendPage(reply, 200, outcomeView(frame, {
    heading,
    message,
    returnUrl: scope.options.isEmbed ? null : errorRedirectUrl(session, code),
    appName: appNameOf(scope),
    exit,
    restart: !isDenied && canRestartAfter(session) ? formFor(ctx, scope) : null,
  }), securityFor(scope));
}

function sendExpired(scope: PageScope, reply: FastifyReply): FastifyReply {
  const { session } = scope.linked;
  const t = tOf(scope);
  const frame = frameFor(scope, 'expired.title', 'error', [{ event: 'invalid_session' }]);
  return sendPage(reply, 410, outcomeView(frame, {
    heading: t('expired.heading'),
    message: t('expired.body', { app: appNameOf(scope) }),
    returnUrl: scope.options.isEmbed ? null : errorRedirectUrl(session, 'session_expired'),
    appName: appNameOf(scope),
    exit: { type: 'error', step: 'error', error: { error_type: 'session_expired', error_message: 'The Link session has expired' } },
  }), securityFor(scope));
}

function sendUsed(scope: PageScope, reply: FastifyReply): FastifyReply {
  const t = tOf(scope);
  const frame = frameFor(scope, 'used.title', 'error', [{ event: 'invalid_session' }]);
  return sendPage(reply, 410, outcomeView(frame, {
    heading: t('used.heading'),
    message: t('used.body', { app: appNameOf(scope) }),
    returnUrl: null,
    appName: appNameOf(scope),
    exit: { type: 'error', step: 'error', error: { error_type: 'session_expired', error_message: 'The Link session was already used' } },
  }), securityFor(scope));
}
