// Where webhooks may be sent. In production a URL must be https and must not reach private, loopback or link-local
// addresses (an org could otherwise probe the operator's internal network); allowPrivateWebhookUrls lifts that for
// development and tests. Checked when an endpoint is saved and again on every connection, because DNS can change.
import dns from 'node:dns';
import net, { BlockList } from 'node:net';
import type { LookupFunction } from 'node:net';
import type { Config } from '../platform/config.ts';

type UrlPolicyConfig = Pick<Config, 'isProduction' | 'allowPrivateWebhookUrls'>;

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
  if (!groups) return null;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !nat64) return null;
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
}

function expandIPv6(address: string): number[] | null {
  let text = address.toLowerCase();
  // A dotted IPv4 tail becomes two hex groups.
  const dotted = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const bytes = dotted[2].split('.').map(Number);
    text = `${dotted[1]}${((bytes[0] << 8) | bytes[1]).toString(16)}:${((bytes[2] << 8) | bytes[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  if (text.includes('::') ? missing < 0 : missing !== 0) return null;
  const groups = [...headGroups, ...Array(text.includes('::') ? missing : 0).fill('0'), ...tailGroups].map((g) => parseInt(g, 16));
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

function mayReachPrivateAddresses(config: UrlPolicyConfig): boolean {
  return config.allowPrivateWebhookUrls;
}

function requiresHttps(config: UrlPolicyConfig): boolean {
  return config.isProduction && !config.allowPrivateWebhookUrls;
}

/** URL.hostname keeps IPv6 brackets; addresses are compared without them. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** What is wrong with the URL as written (scheme, credentials, an address literal), or null. No DNS. */
export function webhookUrlShapeProblem(config: UrlPolicyConfig, raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (requiresHttps(config) && url.protocol !== 'https:') return 'must use https';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.hash) return 'must not contain a fragment';
  const host = hostOf(url);
  if (!mayReachPrivateAddresses(config) && net.isIP(host) && isNonPublicAddress(host)) {
    return `must not point at a private, loopback or link-local address (${host})`;
  }
  return null;
}

/** The shape check plus where the host resolves now. An unresolvable host passes: delivery checks again anyway. */
export async function webhookUrlProblem(config: UrlPolicyConfig, raw: string): Promise<string | null> {
  const shape = webhookUrlShapeProblem(config, raw);
  if (shape || mayReachPrivateAddresses(config)) return shape;
  const host = hostOf(new URL(raw));
  if (net.isIP(host)) return null;
  let addresses: dns.LookupAddress[];
  try {
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
 *  (or rebinding) between the endpoint check and the request cannot redirect a delivery inward. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const list = addresses as dns.LookupAddress[];
    const blocked = list.find((a) => isNonPublicAddress(a.address));
    if (blocked || list.length === 0) {
      const reason = blocked ? `${hostname} resolves to non-public address ${blocked.address}` : `${hostname} has no address`;
      return callback(new NonPublicAddressError(reason), '', 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    callback(null, list[0].address, list[0].family);
  });
};

export function urlPolicyAllowsPrivate(config: UrlPolicyConfig): boolean {
  return mayReachPrivateAddresses(config);
}
