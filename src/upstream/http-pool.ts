// Keep-alive HTTP dispatchers for upstream calls: one direct Agent, and one agent per outbound proxy URL
// (a connection keeps one sticky egress IP, docs/onlyfans-web-api.md §6). http(s) proxies tunnel with CONNECT;
// socks5 goes through undici's Socks5ProxyAgent (experimental in undici 7; remote DNS, like socks5h).
// A proxy gets the same connect/headers/body limits as a direct call on every leg, and its host follows the
// outbound address policy (platform/outbound.ts): the operator's upstream is trusted, a customer's proxy is not.
import type { Dispatcher } from 'undici';
import { ApiError } from '../platform/errors.ts';
import {
  createOutboundAgent,
  createOutboundProxyAgent,
  DEFAULT_OUTBOUND_TIMEOUTS,
  type OutboundAgentOptions,
  type OutboundTimeouts,
} from '../platform/outbound.ts';

export interface UpstreamDispatcherOptions {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Sockets per origin per agent; default unlimited (pacing per account happens above this layer). */
  connectionsPerOrigin?: number;
  /** Proxy agents kept open at once; the least recently used one is closed beyond this. */
  maxProxyAgents?: number;
  /** Whether a proxy may be on a private, loopback or link-local address (default: no). */
  mayProxyThroughPrivateAddresses?: boolean;
}

export interface UpstreamDispatchers {
  /** The dispatcher for a connection's proxy (null/undefined: direct). Throws BAD_REQUEST for a bad URL. */
  dispatcherFor(proxyUrl?: string | null): Dispatcher;
  /** The limits every leg of a call through these dispatchers has. */
  readonly timeouts: OutboundTimeouts;
  close(): Promise<void>;
}

const SUPPORTED_PROXY_PROTOCOLS = ['http:', 'https:', 'socks5:', 'socks5h:', 'socks:'];

/** Parses and checks a proxy URL; throws BAD_REQUEST (details.field "proxyUrl") saying what is wrong. */
export function parseProxyUrl(proxyUrl: string): URL {
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch {
    throw new ApiError('BAD_REQUEST', 'proxyUrl is not a valid URL', { details: { field: 'proxyUrl' } });
  }
  if (!SUPPORTED_PROXY_PROTOCOLS.includes(url.protocol)) {
    throw new ApiError(
      'BAD_REQUEST',
      `proxyUrl protocol ${url.protocol.replace(/:$/, '')} is not supported; use http, https or socks5`,
      { details: { field: 'proxyUrl' } },
    );
  }
  if (!url.hostname) throw new ApiError('BAD_REQUEST', 'proxyUrl has no host', { details: { field: 'proxyUrl' } });
  return url;
}

export function createUpstreamDispatchers(options: UpstreamDispatcherOptions = {}): UpstreamDispatchers {
  const timeouts: OutboundTimeouts = {
    connectMs: options.connectTimeoutMs ?? DEFAULT_OUTBOUND_TIMEOUTS.connectMs,
    headersMs: options.headersTimeoutMs ?? DEFAULT_OUTBOUND_TIMEOUTS.headersMs,
    bodyMs: options.bodyTimeoutMs ?? DEFAULT_OUTBOUND_TIMEOUTS.bodyMs,
  };
  const common = { timeouts, keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 30_000, connectionsPerOrigin: options.connectionsPerOrigin ?? null };
  const proxyOptions: OutboundAgentOptions = { ...common, mayReachPrivateAddresses: options.mayProxyThroughPrivateAddresses ?? false };
  const maxProxyAgents = options.maxProxyAgents ?? 1_000;
  // Upstream itself is the operator's choice (OnlyFans, or the simulator on loopback): no address policy.
  const direct = createOutboundAgent({ ...common, mayReachPrivateAddresses: true });
  // Map iteration order is insertion order: re-inserting on use makes the first key the least recently used.
  const proxied = new Map<string, Dispatcher>();

  function dispatcherFor(proxyUrl?: string | null): Dispatcher {
    if (!proxyUrl) return direct;
    const existing = proxied.get(proxyUrl);
    if (existing) {
      proxied.delete(proxyUrl);
      proxied.set(proxyUrl, existing);
      return existing;
    }
    const agent = createOutboundProxyAgent(parseProxyUrl(proxyUrl), proxyOptions);
    proxied.set(proxyUrl, agent);
    if (proxied.size > maxProxyAgents) {
      const [oldestUrl, oldest] = proxied.entries().next().value as [string, Dispatcher];
      proxied.delete(oldestUrl);
      oldest.close().catch(() => undefined);
    }
    return agent;
  }

  return {
    dispatcherFor,
    timeouts,
    close: async () => {
      const agents = [direct, ...proxied.values()];
      proxied.clear();
      await Promise.allSettled(agents.map((agent) => agent.close()));
    },
  };
}
