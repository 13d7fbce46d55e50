// Keep-alive HTTP dispatchers for upstream calls: one direct Agent, and one agent per outbound proxy URL
// (a connection keeps one sticky egress IP, docs/onlyfans-web-api.md §6). http(s) proxies tunnel with CONNECT
// (undici ProxyAgent); socks5 goes through undici's Socks5ProxyAgent (experimental in undici 7; remote DNS,
// like socks5h).
import { Agent, ProxyAgent, Socks5ProxyAgent, type Dispatcher } from 'undici';
import { ApiError } from '../platform/errors.ts';

export interface UpstreamDispatcherOptions {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Sockets per origin per agent; default unlimited (pacing per account happens above this layer). */
  connectionsPerOrigin?: number;
  /** Proxy agents kept open at once; the least recently used one is closed beyond this. */
  maxProxyAgents?: number;
}

export interface UpstreamDispatchers {
  /** The dispatcher for a connection's proxy (null/undefined: direct). Throws BAD_REQUEST for a bad URL. */
  dispatcherFor(proxyUrl?: string | null): Dispatcher;
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
  const agentOptions = {
    connect: { timeout: options.connectTimeoutMs ?? 10_000 },
    headersTimeout: options.headersTimeoutMs ?? 30_000,
    bodyTimeout: options.bodyTimeoutMs ?? 30_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    connections: options.connectionsPerOrigin ?? null,
  };
  const maxProxyAgents = options.maxProxyAgents ?? 1_000;
  const direct = new Agent(agentOptions);
  // Map iteration order is insertion order: re-inserting on use makes the first key the least recently used.
  const proxied = new Map<string, Dispatcher>();

  function createProxyAgent(url: URL): Dispatcher {
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      return new ProxyAgent({ ...agentOptions, uri: url.href });
    }
    const socksUrl = new URL(url.href.replace(/^socks5h?:|^socks:/, 'socks5:'));
    return new Socks5ProxyAgent(socksUrl, {
      headersTimeout: agentOptions.headersTimeout,
      bodyTimeout: agentOptions.bodyTimeout,
      keepAliveTimeout: agentOptions.keepAliveTimeout,
      connections: agentOptions.connections,
    });
  }

  function dispatcherFor(proxyUrl?: string | null): Dispatcher {
    if (!proxyUrl) return direct;
    const existing = proxied.get(proxyUrl);
    if (existing) {
      proxied.delete(proxyUrl);
      proxied.set(proxyUrl, existing);
      return existing;
    }
    const agent = createProxyAgent(parseProxyUrl(proxyUrl));
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
    close: async () => {
      const agents = [direct, ...proxied.values()];
      proxied.clear();
      await Promise.allSettled(agents.map((agent) => agent.close()));
    },
  };
}
