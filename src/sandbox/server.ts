// The OnlyFans web API simulator: its own Fastify instance on a loopback port. Hook order on /api2/v2:
// x-of-rev → request log → injected faults → per-IP limit → session and account loaded from the store →
// request verification → per-session limit → route → (onSend) writes stored and announced.
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { DatabaseHandle } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { DynamicRules } from '../upstream/rules.ts';
import { registerControlRoutes } from './control-routes.ts';
import { registerRealtimeControlRoutes } from './realtime/control-routes.ts';
import { attachRealtimeSocketServer } from './realtime/socket-server.ts';
import { parseCookieHeader } from './cookies.ts';
import { registerLoginRoutes } from './login.ts';
import { OnlyFansError, notFound, tooManyRequests } from './onlyfans-error.ts';
import { deriveSeed, seededRandom } from './random.ts';
import { DEFAULT_RATE_LIMIT, RATE_LIMITED_SCENARIO_LIMIT, type RateLimitRule } from './rate-limit.ts';
import { registerAccountRoutes } from './routes/account.ts';
import { registerCdnRoutes, type CdnOptions } from './routes/cdn.ts';
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
import { DatabaseSandboxStore } from './store/database-store.ts';
import { MemorySandboxStore } from './store/memory-store.ts';
import type { SandboxStore } from './store/store.ts';
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
  /**
   * The service's database: the simulator's state lives there (src/sandbox/tables.ts), shared by every node's
   * simulator on it and kept across restarts. Without it the state is this process's memory only.
   */
  database?: DatabaseHandle;
  /** How long the CDN's signed media URLs work, in seconds (routes/cdn.ts). Default 3600. */
  cdnUrlTtlSeconds?: number;
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
const UPLOAD_PREFIX = '/upload/';
/** How often old guest sessions and expired logged-in ones are swept from the store. */
const SESSION_SWEEP_INTERVAL_MS = 10 * 60_000;

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const seed = options.seed ?? 1;
  const store: SandboxStore = options.database ? new DatabaseSandboxStore(options.database) : new MemorySandboxStore();
  const uploadDir = await mkdtemp(join(tmpdir(), 'ofconnect-sandbox-uploads-'));
  let state: SandboxState;
  try {
    state = await SandboxState.open({
      now: options.now ?? Date.now,
      random: seededRandom(deriveSeed(seed, 'simulator')),
      seed,
      limits: { perSession: options.rateLimit?.perSession ?? DEFAULT_RATE_LIMIT, perIp: options.rateLimit?.perIp ?? DEFAULT_RATE_LIMIT },
      expiringSessionTtlMs: (options.sessionTtlMinutesForExpiringScenario ?? 5) * 60_000,
      uploadDir,
      store,
      persistent: options.database !== undefined,
    });
  } catch (error) {
    await store.close().catch(() => {});
    await rm(uploadDir, { recursive: true, force: true });
    throw error;
  }
  const sweeper = setInterval(() => {
    state.sessions.sweep().catch((error: unknown) => options.logger?.warn({ err: error }, 'sweeping sandbox sessions failed'));
  }, SESSION_SWEEP_INTERVAL_MS);
  sweeper.unref();
  const host = options.host ?? '127.0.0.1';
  let origin = '';
  const app = buildSandboxApp(state, options.logger, { origin: () => origin, urlTtlSeconds: options.cdnUrlTtlSeconds ?? 3600 });
  const realtime = attachRealtimeSocketServer(app.server, state);
  try {
    await app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    clearInterval(sweeper);
    realtime.close();
    await store.close().catch(() => {});
    await rm(uploadDir, { recursive: true, force: true });
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: origin,
    port,
    close: async () => {
      clearInterval(sweeper);
      realtime.close();
      await app.close();
      await state.writes.settle().catch(() => {});
      await store.close();
      await rm(state.uploadDir, { recursive: true, force: true });
    },
    currentRules: () => state.rules.current,
    uploadDir: state.uploadDir,
  };
}

function buildSandboxApp(state: SandboxState, logger: Logger | undefined, cdn: CdnOptions): FastifyInstance {
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
    if (url.startsWith(UPLOAD_PREFIX)) {
      // A presigned part upload names its owner: bring the owner's stored uploads in and store what it changes.
      const owner = state.world.existingDataFor(Number(url.slice(UPLOAD_PREFIX.length).split('/')[0]));
      if (owner) facts.account = await state.world.load(owner.account);
      return;
    }
    if (!url.startsWith(API_PREFIX)) return;

    if (state.limits.perIp) {
      const wait = state.limiter.hit(`ip:${req.ip}`, state.limits.perIp);
      if (wait > 0) throw tooManyRequests(wait);
    }
    // Routes and verification read memory: the session and its account are brought in from the store first
    // (nothing to wait for when this node has them already).
    const cookies = parseCookieHeader(req.headers.cookie);
    const loadingSession = state.sessions.load(cookies.sess);
    if (loadingSession) await loadingSession;
    const named = state.sessions.find(cookies.sess);
    if (named?.kind === 'auth') {
      const loaded = state.world.load(named.account);
      facts.account = loaded instanceof Promise ? await loaded : loaded;
    }
    let identity;
    try {
      identity = verifyOnlyFansRequest(url, req.headers, { acceptedRules: () => state.rules.acceptedRules(), now: state.now, sessions: state.sessions }, cookies);
    } catch (error) {
      // The log still shows who the refused request claimed to be.
      const claimed = Number(cookies.auth_id);
      if (Number.isSafeInteger(claimed)) facts.logEntry.userId = claimed;
      throw error;
    }
    facts.identity = identity;
    const session = identity.session;
    if (session) {
      facts.logEntry.userId = session.account.userId;
      if (!session.ip) {
        session.ip = req.ip;
        state.sessions.save(session);
      }
      const rule = session.account.scenario.id === 'rate-limited' ? RATE_LIMITED_SCENARIO_LIMIT : state.limits.perSession;
      const wait = state.limiter.hit(`sess:${session.sess}`, rule);
      if (wait > 0) throw tooManyRequests(wait);
    }
  });

  // Before the reply leaves: what the request wrote is stored and announced, so a client that sees the answer
  // can rely on every node (and the next start) seeing the change. Areas are compared with what was last stored,
  // after any request that can write and after a read that changed state (AccountData.dirty).
  app.addHook('onSend', async (req, _reply, payload) => {
    const account = factsOf(req).account;
    if (account && (account.dirty || (req.method !== 'GET' && req.method !== 'HEAD'))) await state.world.persist(account);
    if (state.writes.size > 0) await state.writes.settle();
    return payload;
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
  registerRealtimeControlRoutes(app, state);
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
  registerCdnRoutes(app, state, cdn);
  return app;
}

function fromFastifyError(error: FastifyError): OnlyFansError {
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return new OnlyFansError(status, 0, error.message);
  return new OnlyFansError(500, 500, 'Internal server error');
}
