// Shared set-up for the upstream tests: the simulator on a loopback port, a rules provider that counts its
// fetches, the client, one clock for all three (so tests can move time: rotation grace, OTP and session
// expiry), and thin helpers for the simulator's control API.
import { startSandbox, type RunningSandbox } from '../../src/sandbox/server.ts';
import { createUpstreamClient, type UpstreamClient } from '../../src/upstream/client.ts';
import { createRulesProvider, fetchRulesJson, type RulesProvider } from '../../src/upstream/rules-provider.ts';
import type { UpstreamSession } from '../../src/upstream/session.ts';
import type { Logger } from '../../src/platform/logger.ts';

export interface UpstreamFixture {
  sandbox: RunningSandbox;
  client: UpstreamClient;
  rules: RulesProvider;
  /** How many times the rules were fetched from the simulator. */
  rulesFetches(): number;
  /** Moves the shared clock forward. */
  advance(ms: number): void;
  now(): number;
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  mintSession(email: string, userAgent?: string): Promise<UpstreamSession & { userId: number }>;
  close(): Promise<void>;
}

export async function startUpstreamFixture(options: { logger?: Logger; sandboxOptions?: Parameters<typeof startSandbox>[0] } = {}): Promise<UpstreamFixture> {
  let offset = 0;
  const now = () => Date.now() + offset;
  const sandbox = await startSandbox({ port: 0, now, ...options.sandboxOptions });
  let fetches = 0;
  const rules = createRulesProvider({
    source: `${sandbox.url}/dynamic-rules.json`,
    now,
    refreshInBackground: false,
    fetcher: (source) => {
      fetches += 1;
      return fetchRulesJson(source);
    },
  });
  // The test proxies listen on loopback.
  const client = createUpstreamClient({ baseUrl: sandbox.url, rules, now, logger: options.logger, mayProxyThroughPrivateAddresses: true });

  async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`control ${method} ${path} → ${response.status}: ${JSON.stringify(json)}`);
    return json;
  }

  return {
    sandbox,
    client,
    rules,
    rulesFetches: () => fetches,
    advance: (ms) => void (offset += ms),
    now,
    control,
    mintSession: async (email, userAgent) => {
      const minted = await control<{ cookie: string; userAgent: string; xBc: string; userId: number }>('POST', '/_sandbox/sessions', {
        email,
        ...(userAgent ? { userAgent } : {}),
      });
      return { cookie: minted.cookie, userAgent: minted.userAgent, xBc: minted.xBc, userId: minted.userId };
    },
    close: async () => {
      rules.close();
      await client.close();
      await sandbox.close();
    },
  };
}

export const TEST_USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}
