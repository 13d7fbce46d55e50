// One upstream client per environment: live keys talk to OnlyFans, sandbox keys to the simulator. Same client code,
// different base URL and rules source.
import { ApiError } from '../platform/errors.ts';
import type { Environment } from '../platform/environment.ts';
import type { Logger } from '../platform/logger.ts';
import { createUpstreamClient, type UpstreamClient } from './client.ts';
import { createUpstreamDispatchers } from './http-pool.ts';
import { createRulesProvider } from './rules-provider.ts';
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
  /** URL or file of live dynamic rules; without one, live calls fail clearly. */
  liveRulesSource: string | null;
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
  const build = (environment: Environment, baseUrl: string, rulesSource: string) =>
    createUpstreamClient({
      baseUrl,
      dispatchers,
      logger: options.logger,
      timeoutMs: options.timeoutMs,
      rules: createRulesProvider({
        source: rulesSource,
        logger: options.logger,
        onRevisionChange: (rules, previous) => options.onRulesChange?.(environment, rules, previous),
      }),
    });
  const sandbox = options.sandboxUrl ? build('sandbox', options.sandboxUrl, `${options.sandboxUrl.replace(/\/$/, '')}/dynamic-rules.json`) : null;
  const live = options.liveRulesSource ? build('live', options.liveUrl, options.liveRulesSource) : null;
  return {
    forEnvironment(environment) {
      if (environment === 'sandbox') {
        if (sandbox) return sandbox;
        throw new ApiError('UPSTREAM_UNAVAILABLE', 'No sandbox upstream: the in-process simulator does not run in production; set OFCONNECT_SANDBOX_URL to a simulator', {
          details: { environment: 'sandbox' },
        });
      }
      if (live) return live;
      throw new ApiError('UPSTREAM_UNAVAILABLE', 'Live upstream is not configured: set OFCONNECT_LIVE_RULES_SOURCE to a dynamic rules URL or file', {
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
