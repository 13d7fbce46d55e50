import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxCaptchaProvider } from '../../src/upstream/captcha.ts';
import { startLogin } from '../../src/upstream/login.ts';
import { startHttpProxy, startSocks5Proxy, type LoopbackProxy } from './loopback-proxy.ts';
import { rejectionOf, startUpstreamFixture, TEST_USER_AGENT, type UpstreamFixture } from './sandbox-fixture.ts';

let fx: UpstreamFixture;
let httpProxy: LoopbackProxy;
let socksProxy: LoopbackProxy;
beforeAll(async () => {
  fx = await startUpstreamFixture();
  httpProxy = await startHttpProxy();
  socksProxy = await startSocks5Proxy();
});
afterAll(async () => {
  await fx.close();
  await httpProxy.close();
  await socksProxy.close();
});

const sandboxHost = () => new URL(fx.sandbox.url).host;

describe('outbound proxies', () => {
  it('sends a connection through its http proxy (CONNECT tunnel)', async () => {
    const session = await fx.mintSession('proxied@creator.sandbox.com');
    const profile = await fx.client.validateSession(session, { proxyUrl: httpProxy.url });
    expect(profile.id).toBe(String(session.userId));
    expect(httpProxy.targets).toContain(sandboxHost());
  });

  it('sends proxy credentials from the proxy URL', async () => {
    const session = await fx.mintSession('proxyauth@creator.sandbox.com');
    const withCredentials = httpProxy.url.replace('http://', 'http://user:s3cret@');
    await fx.client.request(session, { method: 'GET', path: '/users/me', proxyUrl: withCredentials });
    expect(httpProxy.authorizations).toContain(`Basic ${Buffer.from('user:s3cret').toString('base64')}`);
  });

  it('runs a whole login through the same proxy', async () => {
    const loginProxy = await startHttpProxy();
    const result = await startLogin(fx.client, {
      email: 'viaproxy@creator.sandbox.com',
      password: 'good-password',
      userAgent: TEST_USER_AGENT,
      captcha: sandboxCaptchaProvider,
      proxyUrl: loginProxy.url,
    }).finally(() => loginProxy.close());
    expect(result.kind).toBe('done');
    // Keep-alive reuses the tunnel, so four requests may share one CONNECT; none went around the proxy.
    expect(loginProxy.targets.length).toBeGreaterThanOrEqual(1);
    expect(new Set(loginProxy.targets)).toEqual(new Set([sandboxHost()]));
  });

  it('sends a connection through a socks5 proxy', async () => {
    const session = await fx.mintSession('socks@creator.sandbox.com');
    const profile = await fx.client.validateSession(session, { proxyUrl: socksProxy.url });
    expect(profile.id).toBe(String(session.userId));
    expect(socksProxy.targets).toContain(sandboxHost());
  });

  it('rejects an unsupported proxy scheme as BAD_REQUEST', async () => {
    const error = await rejectionOf(fx.client.request(null, { method: 'GET', path: '/users/me', proxyUrl: 'ftp://127.0.0.1:21' }));
    expect(error).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'proxyUrl' } });
  });

  it('maps an unreachable proxy to UPSTREAM_UNAVAILABLE proxy_unreachable', async () => {
    const deadProxy = await startHttpProxy();
    await deadProxy.close();
    const error = await rejectionOf(fx.client.request(null, { method: 'GET', path: '/users/me', proxyUrl: deadProxy.url }));
    expect(error).toMatchObject({ type: 'UPSTREAM_UNAVAILABLE', details: { reason: 'proxy_unreachable' } });
  });
});
