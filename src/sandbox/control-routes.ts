// The sandbox-only control API under /_sandbox (JSON, loopback, no auth): sessions, rules (and rules feeds), faults,
// received requests and the scenario list. Nothing here exists on the real site. Sessions, rules and faults are
// the store's (shared by every node and kept across restarts); the request log and rate-limit windows are this
// node's own.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { SANDBOX_CAPTCHA_OK_TOKEN, SANDBOX_OTP_CODE, SANDBOX_PASSWORD, SCENARIOS, accountFromEmail } from './accounts.ts';
import { badRequest } from './onlyfans-error.ts';
import { publicRules, type DynamicRules } from '../upstream/rules.ts';
import type { SandboxState } from './sandbox-state.ts';
import { RuleFeeds, communityRulesFile, rulesApiReply, type RuleFeedAnswer } from './rule-feeds.ts';

export const DEFAULT_SANDBOX_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const MintSessionBody = Type.Object({ email: Type.String({ minLength: 3 }), userAgent: Type.Optional(Type.String({ minLength: 1 })) });
const ExpireBody = Type.Object({ sess: Type.Optional(Type.String()), userId: Type.Optional(Type.Union([Type.Integer(), Type.String()])) });
const RuleFeedBody = Type.Object({
  serve: Type.Union([Type.Literal('current'), Type.Literal('frozen'), Type.Literal('down')]),
  apiKey: Type.Optional(Type.String({ minLength: 1 })),
});
const FEED_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const FaultBody = Type.Object({
  kind: Type.Union([Type.Literal('429'), Type.Literal('500'), Type.Literal('503'), Type.Literal('latency'), Type.Literal('reset')]),
  count: Type.Optional(Type.Integer({ minimum: 1 })),
  probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  pathPrefix: Type.Optional(Type.String({ minLength: 1 })),
  latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 120_000 })),
  retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
});

function parseBody<T extends TSchema>(schema: T, body: unknown): Static<T> {
  if (!Value.Check(schema, body ?? {})) {
    const first = [...Value.Errors(schema, body ?? {})][0];
    throw badRequest(`Invalid body at ${first?.instancePath || '/'}: ${first?.message ?? 'bad shape'}`);
  }
  return (body ?? {}) as Static<T>;
}

/** What the browser's bcTokenSha looks like: 40 hex. */
function newBrowserToken(): string {
  return createHash('sha1').update(randomBytes(32)).digest('hex');
}

export function registerControlRoutes(app: FastifyInstance, state: SandboxState): void {
  app.post('/_sandbox/sessions', async (req) => {
    const body = parseBody(MintSessionBody, req.body);
    const account = accountFromEmail(body.email);
    if (!account) throw badRequest('Not a sandbox account: use <anything>@<scenario>.sandbox.com');
    if (account.scenario.id === 'locked') throw badRequest('The locked scenario cannot log in');
    const userAgent = body.userAgent ?? DEFAULT_SANDBOX_USER_AGENT;
    const xBc = newBrowserToken();
    const ttl = account.scenario.id === 'expiring' ? state.expiringSessionTtlMs : undefined;
    await state.world.load(account);
    const session = state.sessions.createAuth(account, xBc, userAgent, ttl);
    const id = account.userId;
    return {
      cookie: `sess=${session.sess}; auth_id=${id}; auth_uid_${id}=${session.authUid}; fp=${session.fp}`,
      userAgent,
      xBc,
      userId: id,
      expiresAt: session.expiresAt === undefined ? null : new Date(session.expiresAt).toISOString(),
    };
  });

  app.post('/_sandbox/sessions/expire', async (req) => {
    const body = parseBody(ExpireBody, req.body);
    if (body.sess) return { expired: (await state.sessions.revoke(body.sess)) ? 1 : 0 };
    if (body.userId !== undefined) return { expired: await state.sessions.revokeUser(Number(body.userId)) };
    throw badRequest('Give sess or userId');
  });

  app.post('/_sandbox/sessions/revoke-all', async () => ({ revoked: await state.sessions.revokeAllAuth() }));

  app.get('/_sandbox/rules', async () => ({ ...publicRules(state.rules.current), is_current: true }));
  app.post('/_sandbox/rules/rotate', async () => ({ ...publicRules(await state.rules.rotate()), is_current: true }));

  // Rules feeds the simulator plays (rule-feeds.ts): PUT {serve: current|frozen|down, apiKey?} creates or changes one.
  const feeds = new RuleFeeds(state.rules);
  const feedName = (params: unknown): string => {
    const name = (params as { name?: string }).name ?? '';
    if (!FEED_NAME.test(name)) throw badRequest('A feed name is 1 to 64 letters, digits, - or _');
    return name;
  };
  const sendFeedAnswer = (reply: FastifyReply, answer: RuleFeedAnswer, shape: (rules: DynamicRules) => unknown) => {
    if (answer.status === 200) return shape(answer.rules);
    // A rules API answers errors in OFAuth's shape; a plain file host would answer anything, so the same is fine.
    return reply.code(answer.status).send({ error: answer.message, message: answer.message });
  };
  app.get('/_sandbox/rules/feeds', async () => ({ list: feeds.list() }));
  app.put('/_sandbox/rules/feeds/:name', async (req) => feeds.set(feedName(req.params), parseBody(RuleFeedBody, req.body)));
  app.delete('/_sandbox/rules/feeds/:name', async (req) => ({ success: feeds.remove(feedName(req.params)) }));
  app.get('/_sandbox/rules/feeds/:name/dynamic-rules.json', async (req, reply) =>
    sendFeedAnswer(reply, feeds.answer(feedName(req.params), undefined), communityRulesFile),
  );
  app.get('/_sandbox/rules/feeds/:name/v2/dynamic-rules', async (req, reply) => {
    const apiKey = req.headers.apikey;
    return sendFeedAnswer(reply, feeds.answer(feedName(req.params), typeof apiKey === 'string' ? apiKey : null), rulesApiReply);
  });

  app.post('/_sandbox/faults', async (req) => state.faults.add(parseBody(FaultBody, req.body)));
  app.get('/_sandbox/faults', async () => {
    // Read from the store, not this node's copy: a fault added on another node a moment ago is listed.
    await state.faults.reload();
    return { list: state.faults.list() };
  });
  app.delete('/_sandbox/faults', async () => {
    await state.faults.clear();
    return { success: true };
  });

  app.post('/_sandbox/rate-limits/reset', async () => {
    state.limiter.reset();
    return { success: true };
  });

  // ?since=<seq> returns entries after it; ?clear=1 empties the log after reading.
  app.get('/_sandbox/requests', async (req) => {
    const query = (req.query ?? {}) as Record<string, string | undefined>;
    const list = state.requestLog.since(Number(query.since ?? 0) || 0);
    const lastSeq = state.requestLog.lastSeq;
    if (query.clear === '1' || query.clear === 'true') state.requestLog.clear();
    return { list, lastSeq };
  });
  app.delete('/_sandbox/requests', async () => {
    state.requestLog.clear();
    return { success: true };
  });

  app.get('/_sandbox/accounts', async () => ({
    password: SANDBOX_PASSWORD,
    otpCode: SANDBOX_OTP_CODE,
    captchaToken: SANDBOX_CAPTCHA_OK_TOKEN,
    list: Object.values(SCENARIOS).map((scenario) => ({
      scenario: scenario.id,
      email: `{anything}@${scenario.id}.sandbox.com`,
      password: SANDBOX_PASSWORD,
      otp: scenario.hasOtp ? SANDBOX_OTP_CODE : null,
      isPerformer: scenario.isPerformer,
      description: scenario.id === 'expiring' ? `Creator whose sessions expire after ${state.expiringSessionTtlMs / 60_000} minutes.` : scenario.description,
    })),
  }));

  app.get('/dynamic-rules.json', async () => state.rules.publicCurrent());
}
