// Webhook signatures and where customer-chosen targets may point, rule by rule: the Standard Webhooks signature
// bytes and headers, the webhook URL shape, and the outbound address policy (literals, DNS answers, connecting).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOutboundAgent,
  DEFAULT_OUTBOUND_TIMEOUTS,
  hostAddressProblem,
  hostOf,
  hostResolutionProblem,
  isNonPublicAddress,
  NonPublicAddressError,
  outboundDeadlineMs,
  publicOnlyLookup,
  urlPolicyAllowsPrivate,
} from '../../src/platform/outbound.ts';
import { generateEndpointSecret, signDelivery } from '../../src/webhooks/signing.ts';
import { webhookUrlProblem, webhookUrlShapeProblem } from '../../src/webhooks/url-policy.ts';

const PRODUCTION = { isProduction: true, allowPrivateWebhookUrls: false };
const PRODUCTION_ALLOWING_PRIVATE = { isProduction: true, allowPrivateWebhookUrls: true };
const DEVELOPMENT = { isProduction: false, allowPrivateWebhookUrls: true };
const DEVELOPMENT_STRICT = { isProduction: false, allowPrivateWebhookUrls: false };

describe('webhook signatures', () => {
  it('a secret is whsec_ and the base64 of 24 random bytes', () => {
    const a = generateEndpointSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(24);
    expect(generateEndpointSecret()).not.toBe(a);
  });

  it('signs id, whole seconds and body with each secret, space-separated, under webhook-* and svix-* alike', () => {
    const first = generateEndpointSecret();
    const second = generateEndpointSecret();
    const sentAt = new Date(Date.UTC(2026, 10, 30, 4, 0, 0, 999));
    const body = '{"type":"connection.created"}';
    const headers = signDelivery('msg_1', sentAt, body, [first, second]);
    const seconds = String(Math.floor(sentAt.getTime() / 1000));
    const expected = [first, second].map((s) => new Webhook(s).sign('msg_1', sentAt, body)).join(' ');
    expect(headers).toEqual({
      'webhook-id': 'msg_1',
      'webhook-timestamp': seconds,
      'webhook-signature': expected,
      'svix-id': 'msg_1',
      'svix-timestamp': seconds,
      'svix-signature': expected,
    });
    // Each part of the signed content counts.
    expect(signDelivery('msg_2', sentAt, body, [first])['webhook-signature']).not.toBe(signDelivery('msg_1', sentAt, body, [first])['webhook-signature']);
    expect(signDelivery('msg_1', new Date(sentAt.getTime() + 1000), body, [first])['webhook-signature']).not.toBe(
      signDelivery('msg_1', sentAt, body, [first])['webhook-signature'],
    );
    expect(signDelivery('msg_1', sentAt, `${body} `, [first])['webhook-signature']).not.toBe(signDelivery('msg_1', sentAt, body, [first])['webhook-signature']);
  });

  it('a secret without the whsec_ prefix is its base64 key all the same; an empty key is refused', () => {
    const secret = generateEndpointSecret();
    const sentAt = new Date();
    expect(signDelivery('m', sentAt, 'b', [secret.slice(6)])['webhook-signature']).toBe(signDelivery('m', sentAt, 'b', [secret])['webhook-signature']);
    expect(() => signDelivery('m', sentAt, 'b', ['whsec_'])).toThrow("a webhook secret can't be empty");
    expect(() => signDelivery('m', sentAt, 'b', [''])).toThrow(/can't be empty/);
  });

  it('keeps signing correctly with many different secrets in use', () => {
    const sentAt = new Date();
    for (let i = 0; i < 1100; i++) signDelivery('m', sentAt, 'b', [generateEndpointSecret()]);
    const secret = generateEndpointSecret();
    expect(signDelivery('m', sentAt, 'b', [secret])['webhook-signature']).toBe(new Webhook(secret).sign('m', sentAt, 'b'));
  });
});

describe('non-public addresses', () => {
  it('loopback, private, link-local, CGNAT, multicast, reserved and unspecified are non-public; public ones are not', () => {
    const nonPublic = [
      '0.0.0.0', '10.1.2.3', '100.64.0.1', '100.127.255.254', '127.0.0.1', '169.254.169.254', '172.16.0.1', '172.31.255.255',
      '192.0.0.8', '192.168.1.1', '198.18.0.1', '198.19.255.255', '224.0.0.1', '240.0.0.1', '255.255.255.255',
      '::', '::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'febf::1', 'fec0::1', 'ff02::1',
      '::ffff:127.0.0.1', '::FFFF:10.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:a9fe:a9fe', '64:ff9b::10.0.0.1', '64:ff9b::c0a8:101',
      '64:ff9b::', '64:FF9B::C0A8:101', '64:ff9b:0:0:0:0:192.168.10.20', '64:ff9b::ffff:ffff',
      'not-an-address', '', 'example.com',
    ];
    const isPublic = [
      '8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.1', '172.15.255.255', '172.32.0.1', '192.0.1.1', '198.17.255.255',
      '198.20.0.1', '223.255.255.255', '11.0.0.1', '126.255.255.255', '128.0.0.1', '169.253.0.1', '192.167.1.1',
      '2001:4860:4860::8888', '2606:4700::1111', 'fbff::1', '::2', '::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::8.8.8.8',
      '64:ff9b:1::a00:1', '0:0:0:0:1:ffff:7f00:1', '1:2:3:4:5:6:7:8', '::ffff:1:7f00:1',
      // Only the NAT64 prefix itself embeds an IPv4 address: 64:… or …:ff9b:… alone does not.
      '64:1::a00:1', '65:ff9b::a00:1', '1:2:3:4:5:ffff:7f00:1',
      // A dotted tail of multi-digit numbers (each read whole, not as its first digit).
      '64:ff9b::93.184.216.34',
    ];
    for (const address of nonPublic) expect([address, isNonPublicAddress(address)]).toEqual([address, true]);
    for (const address of isPublic) expect([address, isNonPublicAddress(address)]).toEqual([address, false]);
  });

  it('a URL host loses its IPv6 brackets, and only those', () => {
    expect(hostOf(new URL('https://[::1]:8443/x'))).toBe('::1');
    expect(hostOf(new URL('https://Example.COM/x'))).toBe('example.com');
    expect(hostOf(new URL('https://10.0.0.1/x'))).toBe('10.0.0.1');
  });

  it('a non-public literal host is a problem unless private targets are allowed; names are not looked up here', () => {
    expect(urlPolicyAllowsPrivate(DEVELOPMENT)).toBe(true);
    expect(urlPolicyAllowsPrivate(PRODUCTION)).toBe(false);
    expect(hostAddressProblem(PRODUCTION, '10.0.0.1')).toBe('must not point at a private, loopback or link-local address (10.0.0.1)');
    expect(hostAddressProblem(PRODUCTION, '::1')).toMatch(/\(::1\)$/);
    expect(hostAddressProblem(PRODUCTION, '8.8.8.8')).toBeNull();
    expect(hostAddressProblem(PRODUCTION, 'localhost')).toBeNull();
    expect(hostAddressProblem(DEVELOPMENT, '10.0.0.1')).toBeNull();
  });

  it('a host that resolves to a non-public address is a problem; literals, allowed private targets and unknown names are not looked up', async () => {
    expect(await hostResolutionProblem(PRODUCTION, 'localhost')).toMatch(/^must not resolve to a private, loopback or link-local address \(localhost is (127\.0\.0\.1|::1)\)$/);
    expect(await hostResolutionProblem(PRODUCTION, '127.0.0.1')).toBe('must not point at a private, loopback or link-local address (127.0.0.1)');
    expect(await hostResolutionProblem(PRODUCTION, '8.8.8.8')).toBeNull();
    expect(await hostResolutionProblem(PRODUCTION, 'no-such-host.invalid')).toBeNull();
    expect(await hostResolutionProblem(DEVELOPMENT, 'localhost')).toBeNull();
    expect(await hostResolutionProblem(DEVELOPMENT, '127.0.0.1')).toBeNull();
  });

  it('the connect-time lookup refuses names that resolve inward and passes public answers in the shape asked for', async () => {
    const lookup = (host: string, options: Record<string, unknown>) =>
      new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) => {
        publicOnlyLookup(host, options as never, (error, address, family) => resolve({ error, address, family }));
      });
    const inward = await lookup('localhost', {});
    expect(inward.error).toBeInstanceOf(NonPublicAddressError);
    expect((inward.error as NonPublicAddressError).code).toBe('ENONPUBLICADDRESS');
    expect(inward.error?.message).toMatch(/^localhost resolves to non-public address (127\.0\.0\.1|::1)$/);
    const single = await lookup('8.8.8.8', {});
    expect(single).toEqual({ error: null, address: '8.8.8.8', family: 4 });
    const all = await lookup('8.8.8.8', { all: true });
    expect(all.error).toBeNull();
    expect(all.address).toEqual([{ address: '8.8.8.8', family: 4 }]);
    const unknown = await lookup('no-such-host.invalid', {});
    expect(unknown.error).not.toBeNull();
    expect(unknown.error).not.toBeInstanceOf(NonPublicAddressError);
  });
});

describe('time limits', () => {
  it('the end-to-end bound of a small request is every leg at its limit: proxy connect and TLS, CONNECT and headers, body', () => {
    expect(outboundDeadlineMs({ connectMs: 1, headersMs: 10, bodyMs: 100 })).toBe(122);
    expect(outboundDeadlineMs(DEFAULT_OUTBOUND_TIMEOUTS)).toBe(110_000);
  });
});

describe('webhook URLs', () => {
  it('must be absolute http(s) URLs without credentials or a fragment; production needs https unless private targets are allowed', () => {
    const cases: Array<[typeof PRODUCTION, string, string | null]> = [
      [PRODUCTION, 'not a url', 'must be an absolute URL'],
      [PRODUCTION, 'ftp://example.com/hook', 'must be an http or https URL'],
      [DEVELOPMENT, 'ws://example.com/hook', 'must be an http or https URL'],
      [PRODUCTION, 'http://example.com/hook', 'must use https'],
      [PRODUCTION_ALLOWING_PRIVATE, 'http://example.com/hook', null],
      [DEVELOPMENT, 'http://example.com/hook', null],
      [DEVELOPMENT_STRICT, 'http://example.com/hook', null],
      [PRODUCTION, 'https://example.com/hook', null],
      [PRODUCTION, 'https://user:pass@example.com/hook', 'must not contain credentials'],
      [PRODUCTION, 'https://user@example.com/hook', 'must not contain credentials'],
      [PRODUCTION, 'https://:pass@example.com/hook', 'must not contain credentials'],
      [PRODUCTION, 'https://example.com/hook#part', 'must not contain a fragment'],
      [PRODUCTION, 'https://10.0.0.1/hook', 'must not point at a private, loopback or link-local address (10.0.0.1)'],
      [PRODUCTION, 'https://[::1]/hook', 'must not point at a private, loopback or link-local address (::1)'],
      [DEVELOPMENT_STRICT, 'http://127.0.0.1/hook', 'must not point at a private, loopback or link-local address (127.0.0.1)'],
      [DEVELOPMENT, 'http://127.0.0.1/hook', null],
    ];
    for (const [config, url, problem] of cases) expect([url, webhookUrlShapeProblem(config, url)]).toEqual([url, problem]);
  });

  it('where the host resolves counts when the URL is saved, after its shape', async () => {
    expect(await webhookUrlProblem(PRODUCTION, 'https://localhost/hook')).toMatch(/^must not resolve to a private/);
    expect(await webhookUrlProblem(PRODUCTION, 'http://localhost/hook')).toBe('must use https');
    expect(await webhookUrlProblem(PRODUCTION, 'https://8.8.8.8/hook')).toBeNull();
    expect(await webhookUrlProblem(DEVELOPMENT, 'http://localhost/hook')).toBeNull();
  });
});

describe('connecting under the address policy', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('reached'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** The body, or the error's code and message. The connect limit is short: a public address here is unreachable. */
  async function outcome(mayReachPrivateAddresses: boolean, url: string): Promise<string> {
    const agent = createOutboundAgent({ timeouts: { ...DEFAULT_OUTBOUND_TIMEOUTS, connectMs: 500 }, mayReachPrivateAddresses });
    try {
      const res = await request(url, { dispatcher: agent });
      return await res.body.text();
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      return `${code ?? 'no code'}: ${message ?? String(error)}`;
    } finally {
      await agent.close();
    }
  }

  it('a non-public address or a name resolving to one is refused while connecting; allowed, both connect', async () => {
    expect(await outcome(false, `http://127.0.0.1:${port}/`)).toBe('ENONPUBLICADDRESS: 127.0.0.1 is a non-public address');
    expect(await outcome(false, `http://[::1]:${port}/`)).toBe('ENONPUBLICADDRESS: ::1 is a non-public address');
    expect(await outcome(false, `http://localhost:${port}/`)).toMatch(/^ENONPUBLICADDRESS: localhost resolves to non-public address (127\.0\.0\.1|::1)$/);
    expect(await outcome(true, `http://127.0.0.1:${port}/`)).toBe('reached');
    expect(await outcome(true, `http://localhost:${port}/`)).toBe('reached');
  });

  it('a public address literal is not refused by the policy: the connection is attempted', async () => {
    // 192.0.2.1 (TEST-NET-1) is public to the policy and unreachable here: the attempt fails on the network or the
    // connect limit, not with the policy's refusal.
    const result = await outcome(false, 'http://192.0.2.1:9/');
    expect(result).not.toMatch(/^ENONPUBLICADDRESS/);
    expect(result).not.toBe('reached');
  });
});
