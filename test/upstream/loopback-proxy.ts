// Test-only outbound proxies on loopback that record what went through them: an HTTP proxy (CONNECT tunnels
// and absolute-form forwarding) and a minimal no-auth SOCKS5 proxy (CONNECT only).
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer as createTcpServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';

export interface LoopbackProxy {
  url: string;
  /** host:port of every tunnel or forwarded request, in order. */
  targets: string[];
  /** Proxy-Authorization headers seen. */
  authorizations: string[];
  close(): Promise<void>;
}

export async function startHttpProxy(): Promise<LoopbackProxy> {
  const targets: string[] = [];
  const authorizations: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    // Absolute-form request (plain forwarding).
    const target = new URL(req.url ?? '/');
    targets.push(target.host);
    if (req.headers['proxy-authorization']) authorizations.push(req.headers['proxy-authorization']);
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req, clientSocket: Socket, head) => {
    targets.push(req.url ?? '');
    if (req.headers['proxy-authorization']) authorizations.push(req.headers['proxy-authorization']);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => clientSocket.destroy());
    clientSocket.on('error', () => upstream.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    authorizations,
    close: () => closeServer(server, sockets),
  };
}

export async function startSocks5Proxy(): Promise<LoopbackProxy> {
  const targets: string[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let buffer = Buffer.alloc(0);
    let stage: 'greeting' | 'request' | 'piping' = 'greeting';
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (stage === 'greeting') {
        if (buffer.length < 2 || buffer.length < 2 + buffer[1]) return;
        buffer = buffer.subarray(2 + buffer[1]);
        client.write(Buffer.from([0x05, 0x00])); // version 5, no authentication
        stage = 'request';
      }
      if (stage === 'request') {
        const target = readSocksTarget(buffer);
        if (!target) return;
        stage = 'piping';
        client.off('data', onData);
        targets.push(`${target.host}:${target.port}`);
        const upstream = connect(target.port, target.host, () => {
          client.write(Buffer.from([0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0, 0]));
          const rest = buffer.subarray(target.length);
          if (rest.length) upstream.write(rest);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        upstream.on('error', () => client.destroy());
      }
    };
    client.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `socks5://127.0.0.1:${port}`, targets, authorizations: [], close: () => closeServer(server, sockets) };
}

/** VER CMD RSV ATYP ADDR PORT; ATYP 1 = IPv4, 3 = domain name. */
function readSocksTarget(buffer: Buffer): { host: string; port: number; length: number } | null {
  if (buffer.length < 5) return null;
  const type = buffer[3];
  if (type === 0x01) {
    if (buffer.length < 10) return null;
    return { host: [...buffer.subarray(4, 8)].join('.'), port: buffer.readUInt16BE(8), length: 10 };
  }
  if (type === 0x03) {
    const length = buffer[4];
    if (buffer.length < 5 + length + 2) return null;
    return { host: buffer.subarray(5, 5 + length).toString(), port: buffer.readUInt16BE(5 + length), length: 7 + length };
  }
  throw new Error(`unsupported SOCKS address type ${type}`);
}

async function closeServer(server: { close(cb: () => void): void }, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
