// HTTP for the dynamic rules API (OFAuth routes), for the key's environment, with OFAuth's per-org limits.
import type { FastifyReply } from 'fastify';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import { rateLimitExceeded, rateLimitHeaders, type LimitSpec } from '../platform/rate-limits.ts';
import { publicRules, type DynamicRules } from '../upstream/rules.ts';
import type { Environment } from '../platform/environment.ts';
import * as S from './schemas.ts';
import { signEndpoint } from './sign-endpoint.ts';

/** OFAuth's published limits: rules 1/min burst 3, sign 10/min burst 20, per organization. */
const RULES_LIMIT: LimitSpec = { perMinute: 1, burst: 3 };
const SIGN_LIMIT: LimitSpec = { perMinute: 10, burst: 20 };

export function registerDynamicRulesRoutes(app: HttpApp, ctx: ServiceContext): void {
  async function limit(reply: FastifyReply, name: string, spec: LimitSpec, orgId: string): Promise<void> {
    const decision = await ctx.rateLimiters.consume(name, spec, orgId);
    if (!decision.allowed) throw rateLimitExceeded(decision, name);
    reply.headers(rateLimitHeaders(decision));
  }

  async function currentRules(environment: Environment): Promise<DynamicRules> {
    try {
      return await ctx.upstreams.forEnvironment(environment).rules.current();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      // OFAuth answers 503 while rules are unavailable or changing.
      throw new ApiError('UPSTREAM_UNAVAILABLE', 'Dynamic rules are unavailable right now; retry shortly');
    }
  }

  app.get('/v2/dynamic-rules', {
    config: { scope: 'rules' },
    schema: { tags: ['Dynamic rules'], summary: 'Current OnlyFans signing rules', response: { 200: S.RulesReply } },
  }, async (request, reply) => {
    await limit(reply, 'dynamic-rules', RULES_LIMIT, request.auth.orgId);
    const rules = await currentRules(request.auth.environment);
    return { rules: publicRules(rules), is_current: true, is_public: true, is_early_access: false };
  });

  app.post('/v2/dynamic-rules/sign', {
    config: { scope: 'rules' },
    schema: { tags: ['Dynamic rules'], summary: 'Sign one OnlyFans request', body: S.SignRequest, response: { 200: S.SignReply } },
  }, async (request, reply) => {
    await limit(reply, 'dynamic-rules-sign', SIGN_LIMIT, request.auth.orgId);
    const rules = await currentRules(request.auth.environment);
    return signEndpoint(rules, request.body, ctx.clock.now().getTime());
  });

  app.get('/v2/dynamic-rules/status', {
    config: { scope: 'rules' },
    schema: { tags: ['Dynamic rules'], summary: 'Revision status, and the health of each rules source', response: { 200: S.StatusReply } },
  }, async (request) => {
    // Rules of the environment, or a 503 whose details list each source's state (what an operator needs then).
    const upstream = ctx.upstreams.forEnvironment(request.auth.environment);
    const rules = await currentRules(request.auth.environment);
    return {
      revision: rules.revision,
      early_access_revision: rules.revision,
      public_revision: rules.revision,
      is_current: true,
      is_early_access: false,
      is_public: true,
      access_granted: true,
      sources: upstream.rules.sources(),
    };
  });
}
