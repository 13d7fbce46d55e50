// The relay's socket goes through the connection's own proxy (src/realtime/proxy-tunnel.ts), as its REST calls do:
// an HTTP proxy by CONNECT (with the proxy URL's credentials) and a SOCKS5 proxy; the tunnelled upgrade carries the
// session's user agent, and /users/me, which hands out the socket's URL and token, went through the same proxy.
import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { call } from '../support/service.ts';
import { createRealtimeConnection, fanActs, useRealtimeService, waitForSockets } from './realtime-setup.ts';
import { headerOf, startConnectProxy, startSocksProxy, type TunnelProxy } from './tunnel-proxies.ts';

const USER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15 relay-proxy-test';

describe.each(BACKENDS)('realtime relay through the connection\'s proxy (%s)', (backend) => {
  const rt = useRealtimeService(backend);

  async function relayThrough(proxy: TunnelProxy, path: string) {
    const { t, receiver } = rt;
    rt.onCleanup(() => proxy.close());
    const org = await rt.realtimeOrg(path, ['realtime.chat_message.received']);
    const conn = await createRealtimeConnection(t, org.orgId, { userAgent: USER_AGENT });
    const set = await call(t.url, 'PATCH', `/v2/account/connections/${conn.row.id}/settings`, { key: org.key, body: { proxy: { url: proxy.url } } });
    expect(set.status).toBe(200);
    rt.relay();
    const [socket] = await waitForSockets(t, [conn.userId]);
    expect(socket.userAgent).toBe(USER_AGENT);
    const sandbox = new URL(t.sandboxUrl).host;

    // One websocket tunnel, to the simulator, carrying the upgrade with the session's user agent and the path
    // /users/me handed out; and the /users/me call itself went through the proxy.
    const websockets = proxy.websocketTunnels();
    expect(websockets).toHaveLength(1);
    expect(websockets[0].target).toBe(sandbox);
    expect(websockets[0].firstRequest.startsWith(`GET ${socket.path} HTTP/1.1\r\n`)).toBe(true);
    expect(headerOf(websockets[0].firstRequest, 'user-agent')).toBe(USER_AGENT);
    expect(headerOf(websockets[0].firstRequest, 'origin')).toBe('https://onlyfans.com');
    const rest = proxy.tunnels.filter((tunnel) => !websockets.includes(tunnel));
    expect(rest.some((tunnel) => tunnel.target === sandbox && /^GET \/api2\/v2\/users\/me[ ?]/.test(tunnel.firstRequest))).toBe(true);
    expect(rest.every((tunnel) => headerOf(tunnel.firstRequest, 'user-agent') === USER_AGENT)).toBe(true);

    // Frames come back through the tunnel.
    const acted = await fanActs(t, { kind: 'message', email: conn.email, text: 'through the proxy' });
    expect(acted.sockets).toBe(1);
    await receiver.waitFor((r) => r.some((d) => d.path === path && d.payload.data.eventBody.id === acted.messageId), WORKER_PROGRESS_TIMEOUT_MS);
    return { websockets };
  }

  it('through an HTTP proxy: one CONNECT tunnel for the socket, with the proxy URL\'s credentials, carrying the session\'s user agent', async () => {
    const proxy = await startConnectProxy('relay:pr0xy-secret');
    const { websockets } = await relayThrough(proxy, '/via-http');
    expect(websockets[0].proxyAuthorization).toBe(`Basic ${Buffer.from('relay:pr0xy-secret').toString('base64')}`);
  });

  it('through a SOCKS5 proxy: one tunnel for the socket, carrying the session\'s user agent', async () => {
    await relayThrough(await startSocksProxy(), '/via-socks');
  });

  it('through a SOCKS5 proxy that asks for a username and password: the proxy URL\'s', async () => {
    const { websockets } = await relayThrough(await startSocksProxy('relay:s0cks-secret'), '/via-socks-auth');
    expect(websockets[0].proxyAuthorization).toBe('relay:s0cks-secret');
  });
});
