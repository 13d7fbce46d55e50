// The OnlyFans web API simulator: its own Fastify instance on a loopback port. Hook order on /api2/v2:
// x-of-rev → request log → injected faults → per-IP limit → request verification → per-session limit → route.
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../platform/logger.ts';
import type { DynamicRules } from '../upstream/rules.ts';
import { registerControlRoutes } from './control-routes.ts';
import { parseCookieHeader } from './cookies.ts';
import { registerLoginRoutes } from './login.ts';
import { OnlyFansError, notFound, tooManyRequests } from './onlyfans-error.ts';
import { deriveSeed, seededRandom } from './random.ts';
import { DEFAULT_RATE_LIMIT, RATE_LIMITED_SCENARIO_LIMIT, type RateLimitRule } from './rate-limit.ts';
import { registerAccountRoutes } from './routes/account.ts';
import { registerChatRoutes } from './routes/chats.ts';
import { registerContentStatisticsRoutes } from './routes/content-statistics.ts';
import { registerEarningsRoutes } from './routes/earnings.ts';
import { registerListRoutes } from './routes/lists.ts';
import { registerMassMessageStatisticsRoutes } from './routes/mass-message-statistics.ts';
import { registerMassMessageRoutes } from './routes/mass-messages.ts';
import { registerNotificationRoutes } from './routes/notifications.ts';
import { registerPostRoutes } from './routes/posts.ts';
import { registerPromotionStatisticsRoutes } from './routes/promotion-statistics.ts';
import { registerPromotionRoutes } from './routes/promotions.ts';
import { registerSelfRoutes } from './routes/self.ts';
import { registerStoryRoutes } from './routes/stories.ts';
import { registerSubscriptionRoutes } from './routes/subscriptions.ts';
import { registerTrackingLinkRoutes } from './routes/tracking-links.ts';
import { registerTrialLinkRoutes } from './routes/trial-links.ts';
import { registerUploadRoutes } from './routes/uploads.ts';
import { registerUserSearchRoutes } from './routes/user-search.ts';
import { registerVaultRoutes } from './routes/vault.ts';
import { SandboxState, factsOf } from './sandbox-state.ts';
import { verifyOnlyFansRequest } from './verify-request.ts';

export { SANDBOX_CAPTCHA_OK_TOKEN, SANDBOX_OTP_CODE, SANDBOX_PASSWORD } from './accounts.ts';

export interface SandboxOptions {
  /** 0 = random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Millisecond clock, injectable for tests (time checks, rotation grace, session expiry, rate limits). */
  now?: () => number;
  /** Seeds fixtures and the simulator's own choices; same seed, same data. Default 1. */
  seed?: number;
  logger?: Logger;
  rateLimit?: { perSession?: RateLimitRule; perIp?: RateLimitRule | false };
  /** Session lifetime of the @expiring.sandbox.com scenario, in minutes of the injected clock. Default 5. */
  sessionTtlMinutesForExpiringScenario?: number;
}

export interface RunningSandbox {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  close(): Promise<void>;
  currentRules(): DynamicRules;
  /** Where upload parts are held in flight (tests check that failed and abandoned uploads leave nothing here). */
  uploadDir: string;
}

const API_PREFIX = '/api2/v2/';

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const seed = options.seed ?? 1;
  const state = new SandboxState(
    options.now ?? Date.now,
    seededRandom(deriveSeed(seed, 'simulator')),
    seed,
    { perSession: options.rateLimit?.perSession ?? DEFAULT_RATE_LIMIT, perIp: options.rateLimit?.perIp ?? DEFAULT_RATE_LIMIT },
    (options.sessionTtlMinutesForExpiringScenario ?? 5) * 60_000,
    await mkdtemp(join(tmpdir(), 'ofconnect-sandbox-uploads-')),
  );
  const app = buildSandboxApp(state, options.logger);
  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: async () => {
      await app.close();
      await rm(state.uploadDir, { recursive: true, force: true });
    },
    currentRules: () => state.rules.current,
    uploadDir: state.uploadDir,
  };
}

function buildSandboxApp(state: SandboxState, logger: Logger | undefined): FastifyInstance {
  // Per-request log lines would dominate the cost at benchmark rates; errors are still logged.
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: false,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;

  // OnlyFans accepts DELETE/POST with an empty JSON body; Fastify's default parser rejects it.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new OnlyFansError(400, 0, 'Invalid JSON body'), undefined);
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-of-rev', state.rules.current.revision);
    const url = req.raw.url ?? req.url; // raw: the sign covers the query exactly as sent
    if (url.startsWith('/_sandbox')) return;
    const facts = factsOf(req);
    facts.logEntry = state.requestLog.begin(req.method, url, req.headers, state.now());

    const effect = state.faults.effectFor(url);
    if (effect) {
      if ('error' in effect) throw effect.error;
      if ('reset' in effect) {
        reply.hijack();
        req.raw.socket.destroy();
        return;
      }
      await delay(effect.delayMs);
    }
    if (!url.startsWith(API_PREFIX)) return;

    if (state.limits.perIp) {
      const wait = state.limiter.hit(`ip:${req.ip}`, state.limits.perIp);
      if (wait > 0) throw tooManyRequests(wait);
    }
    let identity;
    try {
      identity = verifyOnlyFansRequest(url, req.headers, { acceptedRules: () => state.rules.acceptedRules(), now: state.now, sessions: state.sessions });
    } catch (error) {
      // The log still shows who the refused request claimed to be.
      const claimed = Number(parseCookieHeader(req.headers.cookie).auth_id);
      if (Number.isSafeInteger(claimed)) facts.logEntry.userId = claimed;
      throw error;
    }
    facts.identity = identity;
    const session = identity.session;
    if (session) {
      facts.logEntry.userId = session.account.userId;
      if (!session.ip) session.ip = req.ip;
      const rule = session.account.scenario.id === 'rate-limited' ? RATE_LIMITED_SCENARIO_LIMIT : state.limits.perSession;
      const wait = state.limiter.hit(`sess:${session.sess}`, rule);
      if (wait > 0) throw tooManyRequests(wait);
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    const entry = factsOf(req).logEntry;
    if (entry) entry.status = reply.statusCode;
  });

  app.setErrorHandler((error: FastifyError | OnlyFansError, req, reply) => {
    const known = error instanceof OnlyFansError ? error : fromFastifyError(error);
    if (!(error instanceof OnlyFansError) && known.status >= 500) req.log.error({ err: error }, 'sandbox route failed');
    if (known.headers) reply.headers(known.headers);
    reply.code(known.status).send(known.toBody());
  });
  app.setNotFoundHandler(async () => {
    throw notFound();
  });

  registerControlRoutes(app, state);
  registerLoginRoutes(app, state);
  registerAccountRoutes(app, state);
  registerSubscriptionRoutes(app, state);
  registerChatRoutes(app, state);
  registerPostRoutes(app, state);
  registerVaultRoutes(app, state);
  registerListRoutes(app, state);
  registerNotificationRoutes(app, state);
  registerMassMessageRoutes(app, state);
  registerEarningsRoutes(app, state);
  registerUserSearchRoutes(app, state);
  registerSelfRoutes(app, state);
  registerStoryRoutes(app, state);
  registerPromotionRoutes(app, state);
  registerTrackingLinkRoutes(app, state);
  registerTrialLinkRoutes(app, state);
  registerContentStatisticsRoutes(app, state);
  registerPromotionStatisticsRoutes(app, state);
  registerMassMessageStatisticsRoutes(app, state);
  registerUploadRoutes(app, state);
  return app;
}

function fromFastifyError(error: FastifyError): OnlyFansError {
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return new OnlyFansError(status, 0, error.message);
  return new OnlyFansError(500, 500, 'Internal server error');
}
