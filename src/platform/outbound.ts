// Every connection the service opens to a place a customer chose (a webhook URL, a connection's outbound proxy)
// goes through the rules here: which addresses it may reach, and how long each leg may take.
//
// Addresses: in production a customer-chosen host must not be private, loopback, link-local or otherwise
// non-public (an org could otherwise make the server probe the operator's internal network). The configuration
// switch OFCONNECT_ALLOW_PRIVATE_WEBHOOK_URLS (allowPrivateWebhookUrls, on outside production) lifts that for every
// such target, webhooks and proxies alike. Checked when the URL is saved (literal addresses, then DNS) and again
// while connecting (publicOnlyLookup), because DNS can change between the two.
//
// Time limits: connect, then response headers, then the gaps between body chunks, each bounded, on every leg —
// including the TCP connection to a proxy, its CONNECT answer or SOCKS handshake, and the TLS handshake through the
// tunnel, which undici's proxy agents otherwise leave at their own defaults (minutes).
import dns from 'node:dns';
import net, { BlockList } from 'node:net';
import type { LookupFunction } from 'node:net';
import { Agent, buildConnector, Pool, ProxyAgent, Socks5ProxyAgent, type Dispatcher } from 'undici';
import type { Config } from './config.ts';

export type OutboundPolicyConfig = Pick<Config, 'allowPrivateWebhookUrls'>;

/** Whether customer-chosen targets may be private addresses (development, tests, or explicitly allowed). */
export function urlPolicyAllowsPrivate(config: OutboundPolicyConfig): boolean {
  return config.allowPrivateWebhookUrls;
}

// ---- addresses -------------------------------------------------------------------------------------------------

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIPv4(address: string): string | null {
  const groups = expandIPv6(address);
  // Stryker disable next-line ConditionalExpression: the only caller passed net.isIP, so there are always eight groups
  if (!groups) return null;
  // Node's BlockList already checks an IPv4-mapped address against the IPv4 rules; this keeps the rule explicit here.
  // Stryker disable next-line ConditionalExpression,MethodExpression,ArrowFunction: so never detecting one changes no answer
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !nat64) return null;
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
}

// Its checks of malformed input (the null answers) are for safety only: the one caller passes addresses net.isIP accepted.
function expandIPv6(address: string): number[] | null {
  // Stryker disable next-line MethodExpression: parseInt reads hex digits in either case
  let text = address.toLowerCase();
  // A dotted IPv4 tail becomes two hex groups.
  const dotted = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const bytes = dotted[2].split('.').map(Number);
    text = `${dotted[1]}${((bytes[0] << 8) | bytes[1]).toString(16)}:${((bytes[2] << 8) | bytes[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  // Stryker disable next-line ArrayDeclaration: "::…" is never NAT64, and an IPv4-mapped one BlockList checks as IPv4 anyway
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  // Stryker disable next-line ConditionalExpression,StringLiteral,EqualityOperator: for an address net.isIP accepted the count adds up
  if (text.includes('::') ? missing < 0 : missing !== 0) return null;
  // Stryker disable next-line StringLiteral: without "::" missing is 0, so the condition changes nothing
  const groups = [...headGroups, ...Array(text.includes('::') ? missing : 0).fill('0'), ...tailGroups].map((g) => parseInt(g, 16));
  // Stryker disable next-line ConditionalExpression,LogicalOperator,MethodExpression: net.isIP let through eight groups of 0 to ffff
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** True for loopback, private, link-local, CGNAT, multicast, reserved and unspecified addresses. */
export function isNonPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return NON_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedIPv4(address);
  if (v4) return NON_PUBLIC.check(v4, 'ipv4');
  return NON_PUBLIC.check(address, 'ipv6');
}

/** URL.hostname keeps IPv6 brackets; addresses are compared without them. */
export function hostOf(url: URL): string {
  // Stryker disable next-line Regex: URL.hostname brackets a whole IPv6 address or nothing, so the anchors change nothing
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** What is wrong with a customer-chosen host as written (a non-public address literal), or null. No DNS. */
export function hostAddressProblem(config: OutboundPolicyConfig, host: string): string | null {
  if (urlPolicyAllowsPrivate(config)) return null;
  if (net.isIP(host) && isNonPublicAddress(host)) return `must not point at a private, loopback or link-local address (${host})`;
  return null;
}

/** The literal check plus where the host resolves now. An unresolvable host passes: connecting checks again anyway. */
export async function hostResolutionProblem(config: OutboundPolicyConfig, host: string): Promise<string | null> {
  const literal = hostAddressProblem(config, host);
  if (literal || urlPolicyAllowsPrivate(config) || net.isIP(host)) return literal;
  let addresses: dns.LookupAddress[];
  try {
    // Stryker disable next-line BooleanLiteral: only the order of the answers; any non-public one is refused
    addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
  } catch {
    return null;
  }
  const blocked = addresses.find((a) => isNonPublicAddress(a.address));
  return blocked ? `must not resolve to a private, loopback or link-local address (${host} is ${blocked.address})` : null;
}

export class NonPublicAddressError extends Error {
  readonly code = 'ENONPUBLICADDRESS';
}

/** A DNS lookup for outbound sockets that refuses non-public answers: checked at connect time, so a DNS change
 *  (or rebinding) between the check when a URL was saved and the request cannot redirect a connection inward. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    // Stryker disable next-line StringLiteral: the address passed with an error is never read
    if (error) return callback(error, '', 4);
    const list = addresses as dns.LookupAddress[];
    const blocked = list.find((a) => isNonPublicAddress(a.address));
    // Stryker disable next-line ConditionalExpression: dns.lookup fails (ENOTFOUND) rather than answer no address
    if (blocked || list.length === 0) {
      // Stryker disable next-line StringLiteral: the message for no address, which dns.lookup never answers
      const reason = blocked ? `${hostname} resolves to non-public address ${blocked.address}` : `${hostname} has no address`;
      // Stryker disable next-line StringLiteral: the address passed with an error is never read
      return callback(new NonPublicAddressError(reason), '', 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    callback(null, list[0].address, list[0].family);
  });
};

// ---- time limits and dispatchers ------------------------------------------------------------------------------

export interface OutboundTimeouts {
  /** TCP (and TLS) connection, to the target or to a proxy; again for the TLS handshake through a tunnel. */
  connectMs: number;
  /** From the request written to the response headers; also a proxy's answer to CONNECT. */
  headersMs: number;
  /** The longest gap between two chunks of a response body. */
  bodyMs: number;
}

export const DEFAULT_OUTBOUND_TIMEOUTS: OutboundTimeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 };

/** The longest a request whose body is small can take end to end under these limits (every leg at its limit). */
export function outboundDeadlineMs(timeouts: OutboundTimeouts): number {
  // Connect to the proxy, its CONNECT answer, the TLS handshake through the tunnel, then headers and body.
  return 2 * timeouts.connectMs + 2 * timeouts.headersMs + timeouts.bodyMs;
}

export interface OutboundAgentOptions {
  timeouts: OutboundTimeouts;
  /** False: the host connected to must resolve to public addresses only (refused while connecting). */
  mayReachPrivateAddresses: boolean;
  keepAliveTimeoutMs?: number;
  /** Sockets per origin; default unlimited. */
  connectionsPerOrigin?: number | null;
}

/**
 * Opens the TCP (and TLS) connection within the connect limit. Under the address policy, a host written as an
 * address is checked here (Node does no lookup for it) and a name through publicOnlyLookup: a URL saved before the
 * policy, or while it was lifted, is refused as well.
 */
function outboundConnector(options: OutboundAgentOptions): buildConnector.connector {
  const connect = buildConnector({ timeout: options.timeouts.connectMs, ...(options.mayReachPrivateAddresses ? {} : { lookup: publicOnlyLookup }) });
  if (options.mayReachPrivateAddresses) return connect;
  return (target, callback) => {
    // undici strips an IPv6 host's brackets before it calls a connector; this keeps the check safe if that changes.
    // Stryker disable next-line Regex,StringLiteral: see above
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    if (net.isIP(host) && isNonPublicAddress(host)) {
      callback(new NonPublicAddressError(`${host} is a non-public address`), null);
      return;
    }
    connect(target, callback);
  };
}

/** A keep-alive agent for direct connections to customer-chosen hosts, with the policy applied while connecting. */
export function createOutboundAgent(options: OutboundAgentOptions): Agent {
  return new Agent({
    connect: outboundConnector(options),
    headersTimeout: options.timeouts.headersMs,
    bodyTimeout: options.timeouts.bodyMs,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    connections: options.connectionsPerOrigin ?? null,
  });
}

/**
 * A keep-alive agent that reaches every origin through the proxy at `proxyUrl` (http/https: CONNECT tunnels;
 * socks5: remote DNS, like socks5h). The proxy host is the customer-chosen one: the address policy applies to it.
 * Where the proxy then connects is its business (OnlyFans, or upstream's storage).
 */
export function createOutboundProxyAgent(proxyUrl: URL, options: OutboundAgentOptions): Dispatcher {
  const { timeouts } = options;
  const toProxy = outboundConnector(options);
  const perRequest = { headersTimeout: timeouts.headersMs, bodyTimeout: timeouts.bodyMs };
  if (proxyUrl.protocol === 'http:' || proxyUrl.protocol === 'https:') {
    return new ProxyAgent({
      uri: proxyUrl.href,
      ...perRequest,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      connections: options.connectionsPerOrigin ?? null,
      // The TLS handshake with the target, through the tunnel.
      requestTls: { timeout: timeouts.connectMs },
      // The connection to the proxy itself, which carries the CONNECT: without headersTimeout here a proxy that
      // accepts and never answers holds the request for undici's default of 300 s.
      clientFactory: (origin: URL | string) => new Pool(origin, { connect: toProxy, ...perRequest }),
    });
  }
  const socks = new Socks5ProxyAgent(new URL(proxyUrl.href.replace(/^socks5h?:|^socks:/, 'socks5:')), { connect: toProxy });
  // The SOCKS agent builds its per-origin pools with undici's defaults: the limits go on each request instead.
  return socks.compose((dispatch) => (opts, handler) => dispatch({ ...perRequest, ...opts }, handler));
}
