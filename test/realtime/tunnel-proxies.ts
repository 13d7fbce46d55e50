// Outbound proxies on loopback for the relay's proxy tests, each counting its tunnels and keeping what the client
// first sent through each one (the tunnelled HTTP request: a websocket upgrade or a REST call, with its headers): an
// HTTP proxy answering CONNECT (recording Proxy-Authorization) and a SOCKS5 proxy (CONNECT; no authentication, or
// username and password, RFC 1929, recorded as user:password).
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';

export interface Tunnel {
  /** host:port the client asked for. */
  target: string;
  proxyAuthorization: string | null;
  /** The first bytes the client sent through the tunnel, as text (up to the end of the first request's headers). */
  firstRequest: string;
}

export interface TunnelProxy {
  url: string;
  tunnels: Tunnel[];
  /** The tunnels whose first request was a websocket upgrade. */
  websocketTunnels(): Tunnel[];
  close(): Promise<void>;
}

/** A header of a recorded request, by name (case-insensitive). */
export function headerOf(request: string, name: string): string | null {
  const line = request.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(line.indexOf(':') + 1).trim() : null;
}

/** Pipes client ↔ target, recording the client's first request into the tunnel. */
function pipeRecording(client: Socket, upstream: Socket, tunnel: Tunnel, head: Buffer): void {
  let recording = head.length ? head.toString('latin1') : '';
  const record = (chunk: Buffer) => {
    recording += chunk.toString('latin1');
    if (recording.includes('\r\n\r\n') || recording.length > 8192) {
      tunnel.firstRequest = recording.slice(0, recording.indexOf('\r\n\r\n') + 4 || undefined);
      client.off('data', record);
    }
  };
  if (head.length) upstream.write(head);
  client.on('data', record);
  client.pipe(upstream);
  upstream.pipe(client);
  record(Buffer.alloc(0));
}

function tunnelProxy(server: Server, url: (port: number) => string, tunnels: Tunnel[], sockets: Set<Socket>) {
  return async (): Promise<TunnelProxy> => {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    return {
      url: url(port),
      tunnels,
      websocketTunnels: () => tunnels.filter((t) => (headerOf(t.firstRequest, 'upgrade') ?? '').toLowerCase() === 'websocket'),
      async close() {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  };
}

function connectTarget(host: string, port: number, sockets: Set<Socket>, onConnect: () => void): Socket {
  const upstream = connect(port, host, onConnect);
  sockets.add(upstream);
  upstream.on('close', () => sockets.delete(upstream));
  return upstream;
}

/** An HTTP proxy that answers CONNECT only; `credentials` as user:password go into its URL. */
export async function startConnectProxy(credentials?: string): Promise<TunnelProxy> {
  const tunnels: Tunnel[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const tunnel: Tunnel = { target, proxyAuthorization: req.headers['proxy-authorization'] ?? null, firstRequest: '' };
    tunnels.push(tunnel);
    const [host, port] = target.split(':');
    const upstream = connectTarget(host, Number(port), sockets, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      pipeRecording(client, upstream, tunnel, head);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return tunnelProxy(server, (port) => `http://${credentials ? `${credentials}@` : ''}127.0.0.1:${port}`, tunnels, sockets)();
}

/**
 * A SOCKS5 proxy (CONNECT to an IPv4 address or a domain name); with `credentials` (user:password) it asks for
 * username/password authentication and refuses other credentials.
 */
export async function startSocksProxy(credentials?: string): Promise<TunnelProxy> {
  const tunnels: Tunnel[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    client.on('error', () => client.destroy());
    let buffer = Buffer.alloc(0);
    let stage: 'greeting' | 'auth' | 'request' = 'greeting';
    let authorization: string | null = null;
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (stage === 'greeting') {
        if (buffer.length < 2 || buffer.length < 2 + buffer[1]) return;
        const methods = [...buffer.subarray(2, 2 + buffer[1])];
        buffer = buffer.subarray(2 + buffer[1]);
        if (credentials && !methods.includes(2)) return void client.end(Buffer.from([5, 0xff]));
        client.write(Buffer.from([5, credentials ? 2 : 0]));
        stage = credentials ? 'auth' : 'request';
      }
      if (stage === 'auth') {
        // VER ULEN UNAME PLEN PASSWD
        if (buffer.length < 2 || buffer.length < 3 + buffer[1] || buffer.length < 3 + buffer[1] + buffer[2 + buffer[1]]) return;
        const user = buffer.subarray(2, 2 + buffer[1]).toString();
        const passLength = buffer[2 + buffer[1]];
        const pass = buffer.subarray(3 + buffer[1], 3 + buffer[1] + passLength).toString();
        buffer = buffer.subarray(3 + buffer[1] + passLength);
        authorization = `${user}:${pass}`;
        if (authorization !== credentials) return void client.end(Buffer.from([1, 1]));
        client.write(Buffer.from([1, 0]));
        stage = 'request';
      }
      const target = readSocksTarget(buffer);
      if (!target) return;
      client.off('data', onData);
      const tunnel: Tunnel = { target: `${target.host}:${target.port}`, proxyAuthorization: authorization, firstRequest: '' };
      tunnels.push(tunnel);
      const upstream = connectTarget(target.host, target.port, sockets, () => {
        client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
        pipeRecording(client, upstream, tunnel, buffer.subarray(target.length));
      });
      upstream.on('error', () => client.destroy());
    };
    client.on('data', onData);
  });
  return tunnelProxy(server, (port) => `socks5://${credentials ? `${credentials}@` : ''}127.0.0.1:${port}`, tunnels, sockets)();
}

/** VER CMD RSV ATYP ADDR PORT; ATYP 1 = IPv4, 3 = domain name. */
function readSocksTarget(buffer: Buffer): { host: string; port: number; length: number } | null {
  if (buffer.length < 5) return null;
  if (buffer[3] === 1) return buffer.length < 10 ? null : { host: [...buffer.subarray(4, 8)].join('.'), port: buffer.readUInt16BE(8), length: 10 };
  if (buffer[3] === 3) {
    const n = buffer[4];
    return buffer.length < 7 + n ? null : { host: buffer.subarray(5, 5 + n).toString(), port: buffer.readUInt16BE(5 + n), length: 7 + n };
  }
  throw new Error(`unsupported SOCKS address type ${buffer[3]}`);
}
