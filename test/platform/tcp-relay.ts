// A loopback TCP relay in front of PostgreSQL that a test can cut: while cut, it accepts connections and swallows
// bytes without answering (a partition or a dead host, as a client sees it: silence, not a refusal).
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

export interface TcpRelay {
  /** The database URL rewritten to go through the relay. */
  url: string;
  /** From now on nothing is answered, on open connections or new ones. */
  cut(): void;
  /** Ends every connection made so far (their clients see them close) and relays new ones again. */
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpRelay(targetUrl: string): Promise<TcpRelay> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let isCut = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (isCut) return;
    const upstream = connect(Number(target.port || 5432), target.hostname);
    track(upstream);
    client.on('data', (chunk) => {
      if (!isCut) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!isCut) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const via = new URL(targetUrl);
  via.hostname = '127.0.0.1';
  via.port = String((server.address() as { port: number }).port);
  const endAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: via.toString(),
    cut() {
      isCut = true;
    },
    restore() {
      endAll();
      isCut = false;
    },
    async close() {
      endAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
