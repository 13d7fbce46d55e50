// The simulator's websocket endpoint at /ws3/<n>: the first client frame must be {"act":"connect","token":…} within
// 10 s; a token this sandbox signed is acknowledged with {"connected":true,"v":…} (even an expired one: upstream
// keeps such sockets open and silent), anything else gets {"error":1} and the socket closes. Afterwards
// {"act":"get_onlines","ids":[…]} is answered with {"online":[]} and other acts are accepted silently, as upstream
// does. Protocol-level pings are answered by ws itself.
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { SandboxState } from '../sandbox-state.ts';
import { realtimeHubOf, SANDBOX_WS_VERSION, type HeldSocket, type RealtimeHub } from './hub.ts';

const WS_PATH = /^\/ws3\/\d+\/?$/;
const CONNECT_TIMEOUT_MS = 10_000;
/** The refusal frame's code; upstream's codes are not known (docs/onlyfans-realtime.md §1.3). */
const REFUSED = 1;

export interface RealtimeSocketServer {
  hub: RealtimeHub;
  close(): void;
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as Buffer).toString('utf8');
}

function parseFrame(data: RawData): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(textOf(data));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function attachRealtimeSocketServer(server: Server, state: SandboxState): RealtimeSocketServer {
  const hub = realtimeHubOf(state);
  // perMessageDeflate off: the simulator favours many cheap idle sockets over compression.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });

  const onUpgrade = (req: import('node:http').IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (!WS_PATH.test(path)) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => awaitConnect(ws, path, String(req.headers['user-agent'] ?? ''), String(req.headers.origin ?? '')));
  };
  server.on('upgrade', onUpgrade);

  function awaitConnect(ws: WebSocket, path: string, userAgent: string, origin: string): void {
    const timer = setTimeout(() => ws.close(4000, 'connect timeout'), CONNECT_TIMEOUT_MS);
    ws.once('message', (data) => {
      clearTimeout(timer);
      const frame = parseFrame(data);
      const claims = frame?.act === 'connect' && typeof frame.token === 'string' ? hub.verifyToken(frame.token) : null;
      const account = claims ? hub.accountOf(claims) : undefined;
      if (!claims || !account) {
        ws.send(JSON.stringify({ error: REFUSED }));
        ws.close(4001, 'refused');
        return;
      }
      const held = { socket: ws, account, claims, connectedAt: state.now(), userAgent, origin, path, framesSent: 0, heartbeats: 0 };
      hub.add(held);
      ws.send(JSON.stringify({ connected: true, v: SANDBOX_WS_VERSION }));
      ws.on('message', (next) => answer(held, parseFrame(next)));
    });
    ws.on('error', () => ws.terminate());
    ws.once('close', () => clearTimeout(timer));
  }

  function answer(held: HeldSocket, frame: Record<string, unknown> | null): void {
    if (frame?.act !== 'get_onlines') return;
    held.heartbeats += 1;
    held.socket.send(JSON.stringify({ online: [] }));
  }

  return {
    hub,
    close() {
      server.off('upgrade', onUpgrade);
      hub.closeAll();
      wss.close();
    },
  };
}
