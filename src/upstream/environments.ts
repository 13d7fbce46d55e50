// One upstream client per environment: live keys talk to OnlyFans, sandbox keys to the simulator. Same client code,
// different base URL and rules: the sandbox reads the simulator's own rules file; live rules come from the list of
// sources in OFCONNECT_LIVE_RULES_SOURCE, each proven by a signed probe to the live upstream before use.
import { ApiError } from '../platform/errors.ts';
import type { Environment } from '../platform/environment.ts';
import type { Logger } from '../platform/logger.ts';
import { createUpstreamClient, type UpstreamClient } from './client.ts';
import { createUpstreamDispatchers } from './http-pool.ts';
import { createProvenRulesProvider } from './proven-rules-provider.ts';
import { createRulesProbe } from './rules-probe.ts';
import { createRulesProvider, type RulesProvider } from './rules-provider.ts';
import { parseRulesSources } from './rules-sources.ts';
import type { DynamicRules } from './rules.ts';

/** A test account the sandbox simulator accepts, as the Link pages describe it to a developer trying the flow. */
export interface SandboxTestAccount {
  /** The scenario, which is also the email domain: you@{id}.sandbox.com. */
  id: string;
  accountType: 'creator' | 'fan';
  loginType: 'password' | 'app_otp';
  password: string;
  otpCode?: string;
}

export interface UpstreamEnvironments {
  /** The client for an environment; throws UPSTREAM_UNAVAILABLE when that environment is not configured. */
  forEnvironment(environment: Environment): UpstreamClient;
  /** The accounts to try an environment with: the simulator's, for sandbox; null for live (real accounts only). */
  testAccountsOf(environment: Environment): readonly SandboxTestAccount[] | null;
  close(): Promise<void>;
}

export interface UpstreamEnvironmentsOptions {
  /** null: no sandbox upstream (production without OFCONNECT_SANDBOX_URL); sandbox calls fail clearly. */
  sandboxUrl: string | null;
  liveUrl: string;
  /**
   * Live dynamic rules sources, comma- or whitespace-separated (rules-sources.ts: `ofauth+https://…?key=…`, rules
   * file URLs, local files); without any, live calls fail clearly. A list that cannot be read throws here, at start.
   */
  liveRulesSource: string | null;
  /** Schedule clock of the live rules sources (Unix ms); default Date.now. */
  now?: () => number;
  logger: Logger;
  onRulesChange?: (environment: Environment, rules: DynamicRules, previous: DynamicRules) => void | Promise<void>;
  /** Headers and body limit per upstream call, direct or through a proxy (default 30 s; connecting: at most 10 s). */
  timeoutMs?: number;
  /**
   * Whether a connection's proxy may be on a private, loopback or link-local address: the outbound address policy
   * (platform/outbound.ts, `urlPolicyAllowsPrivate(config)`). Default no.
   */
  mayProxyThroughPrivateAddresses?: boolean;
  /** What the sandbox simulator accepts (handed in by the composition root, which knows the simulator). */
  sandboxTestAccounts?: readonly SandboxTestAccount[];
}

export function createUpstreamEnvironments(options: UpstreamEnvironmentsOptions): UpstreamEnvironments {
  // One keep-alive pool set shared by both clients.
  const dispatchers = createUpstreamDispatchers({
    headersTimeoutMs: options.timeoutMs ?? 30_000,
    bodyTimeoutMs: options.timeoutMs ?? 30_000,
    connectTimeoutMs: Math.min(options.timeoutMs ?? 10_000, 10_000),
    mayProxyThroughPrivateAddresses: options.mayProxyThroughPrivateAddresses ?? false,
  });
  const build = (baseUrl: string, rules: RulesProvider) =>
    createUpstreamClient({ baseUrl, dispatchers, logger: options.logger, timeoutMs: options.timeoutMs, rules });
  const sandbox = options.sandboxUrl
    ? build(
        options.sandboxUrl,
        createRulesProvider({
          source: `${options.sandboxUrl.replace(/\/$/, '')}/dynamic-rules.json`,
          logger: options.logger,
          onRevisionChange: (rules, previous) => options.onRulesChange?.('sandbox', rules, previous),
        }),
      )
    : null;
  const liveSources = options.liveRulesSource ? parseRulesSources(options.liveRulesSource) : [];
  const live =
    liveSources.length > 0
      ? build(
          options.liveUrl,
          createProvenRulesProvider({
            sources: liveSources,
            probe: createRulesProbe({ baseUrl: options.liveUrl, dispatchers }),
            now: options.now,
            logger: options.logger,
            onRevisionChange: (rules, previous) => options.onRulesChange?.('live', rules, previous),
          }),
        )
      : null;
  return {
    forEnvironment(environment) {
      if (environment === 'sandbox') {
        if (sandbox) return sandbox;
        throw new ApiError('UPSTREAM_UNAVAILABLE', 'No sandbox upstream: the in-process simulator does not run in production; set OFCONNECT_SANDBOX_URL to a simulator', {
          details: { environment: 'sandbox' },
        });
      }
      if (live) return live;
      throw new ApiError('UPSTREAM_UNAVAILABLE', 'Live upstream is not configured: set OFCONNECT_LIVE_RULES_SOURCE to one or more dynamic rules sources (ofauth+https://api.ofauth.com?key=…, a rules file URL, or a local file)', {
        details: { environment: 'live' },
      });
    },
    testAccountsOf(environment) {
      return environment === 'sandbox' ? (options.sandboxTestAccounts ?? null) : null;
    },
    async close() {
      for (const client of [sandbox, live]) {
        if (!client) continue;
        client.rules.close();
        await client.close();
      }
      await dispatchers.close();
    },
  };
}
