// The websocket goes through the connection's own outbound proxy, like its REST calls (an account seen from two IPs
// at once is a shared-session anomaly, docs/onlyfans-realtime.md §1.2): a TCP tunnel to the socket's host opened
// with HTTP CONNECT (http:// and https:// proxies) or SOCKS5 (socks5://, socks5h://, socks://; remote DNS), then TLS
// to the host for wss://. The result is a `createConnection` for ws. The proxy host follows the outbound address
// policy (platform/outbound.ts), as the REST dispatcher's does.
import net from 'node:net';
import tls from 'node:tls';
import { hostAddressProblem, type OutboundPolicyConfig } from '../platform/outbound.ts';
import { parseProxyUrl } from '../upstream/http-pool.ts';

type Callback = (error: Error | null, socket?: net.Socket) => void;
interface ConnectOptions {
  host?: string | null;
  hostname?: string | null;
  port?: number | string | null;
  servername?: string;
}

const TUNNEL_TIMEOUT_MS = 10_000;

/** Reads exactly what the handshake needs from a socket, in order. */
class HandshakeReader {
  private buffer = Buffer.alloc(0);
  private waiting: { size: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.once('error', (error) => this.fail(error));
    socket.once('close', () => this.fail(new Error('the proxy closed the connection during the handshake')));
  }

  private onData = (chunk: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    this.deliver();
  };

  private deliver(): void {
    if (!this.waiting || this.buffer.length < this.waiting.size) return;
    const { size, resolve } = this.waiting;
    this.waiting = null;
    const out = this.buffer.subarray(0, size);
    this.buffer = this.buffer.subarray(size);
    resolve(out);
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(error);
  }

  read(size: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting = { size, resolve, reject };
      this.deliver();
    });
  }

  /** Until the end of an HTTP header block. */
  async readHeaders(): Promise<string> {
    let text = '';
    while (!text.endsWith('\r\n\r\n')) {
      text += (await this.read(1)).toString('latin1');
      if (text.length > 16_384) throw new Error('the proxy answered CONNECT with oversized headers');
    }
    return text;
  }

  /** Hands the socket over; bytes read past the handshake are put back. */
  release(): void {
    this.socket.off('data', this.onData);
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
    if (this.buffer.length > 0) this.socket.unshift(this.buffer);
  }
}

async function httpConnect(proxy: URL, socket: net.Socket, host: string, port: number): Promise<void> {
  const reader = new HandshakeReader(socket);
  const auth = proxy.username ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n` : '';
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
  const headers = await reader.readHeaders();
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(headers)?.[1]);
  if (status !== 200) throw new Error(`the proxy refused the tunnel (HTTP ${Number.isFinite(status) ? status : 'garbled'})`);
  reader.release();
}

async function socks5Connect(proxy: URL, socket: net.Socket, host: string, port: number): Promise<void> {
  const reader = new HandshakeReader(socket);
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  socket.write(Buffer.from(user ? [5, 2, 0, 2] : [5, 1, 0]));
  const [version, method] = await reader.read(2);
  if (version !== 5 || (method !== 0 && method !== 2)) throw new Error('the SOCKS5 proxy accepts none of our authentication methods');
  if (method === 2) {
    socket.write(Buffer.concat([Buffer.from([1, Buffer.byteLength(user)]), Buffer.from(user), Buffer.from([Buffer.byteLength(pass)]), Buffer.from(pass)]));
    const [, status] = await reader.read(2);
    if (status !== 0) throw new Error('the SOCKS5 proxy refused the credentials');
  }
  const name = Buffer.from(host);
  const portBytes = Buffer.from([port >> 8, port & 0xff]);
  socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, portBytes]));
  const [, reply, , addressType] = await reader.read(4);
  if (reply !== 0) throw new Error(`the SOCKS5 proxy could not connect (reply ${reply})`);
  const addressLength = addressType === 1 ? 4 : addressType === 4 ? 16 : (await reader.read(1))[0];
  await reader.read(addressLength + 2);
  reader.release();
}

/** A ws `createConnection` that tunnels through the proxy; refuses a proxy host the address policy forbids. */
export function proxiedConnection(proxyUrl: string, policy: OutboundPolicyConfig, isSecure: boolean) {
  const proxy = parseProxyUrl(proxyUrl);
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '');
  const isSocks = proxy.protocol.startsWith('socks');
  const proxyPort = Number(proxy.port) || (isSocks ? 1080 : proxy.protocol === 'https:' ? 443 : 80);
  return (options: ConnectOptions, callback: Callback): undefined => {
    const host = String(options.hostname ?? options.host ?? '').replace(/^\[|\]$/g, '');
    const port = Number(options.port) || (isSecure ? 443 : 80);
    const problem = hostAddressProblem(policy, proxyHost);
    if (problem) {
      callback(new Error(`proxy ${problem}`));
      return undefined;
    }
    const raw = proxy.protocol === 'https:' ? tls.connect({ host: proxyHost, port: proxyPort, servername: proxyHost }) : net.connect({ host: proxyHost, port: proxyPort });
    const timer = setTimeout(() => raw.destroy(new Error('the proxy tunnel timed out')), TUNNEL_TIMEOUT_MS);
    const handshake = isSocks ? socks5Connect(proxy, raw, host, port) : httpConnect(proxy, raw, host, port);
    handshake.then(
      () => {
        clearTimeout(timer);
        callback(null, isSecure ? tls.connect({ socket: raw, servername: options.servername ?? host }) : raw);
      },
      (error: Error) => {
        clearTimeout(timer);
        raw.destroy();
        callback(error);
      },
    );
    return undefined;
  };
}
