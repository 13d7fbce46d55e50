// One account's OnlyFans websocket (docs/onlyfans-realtime.md §1.2–1.4): opened with the browser's Origin and the
// session's user agent, through the connection's proxy; authenticated by the first frame {"act":"connect","token"};
// the first frame back must be {"connected":true,…} within the handshake limit, and {"error":N} at any time is a
// refusal. Heartbeats ({"act":"get_onlines","ids":[]}) and quiet checks are driven by the relay's shared timer, not
// one timer per socket: an idle socket costs only its buffers.
import { WebSocket, type RawData } from 'ws';
import type { OutboundPolicyConfig } from '../platform/outbound.ts';
import { parseFrame } from './frames.ts';
import { proxiedConnection } from './proxy-tunnel.ts';

export type SocketEnd =
  | { kind: 'refused'; code: unknown }
  | { kind: 'closed'; code: number }
  | { kind: 'failed'; message: string };

export interface UpstreamSocketOptions {
  url: string;
  token: string;
  userAgent: string;
  proxyUrl: string | null;
  policy: OutboundPolicyConfig;
  handshakeTimeoutMs: number;
  /** A content frame, as received. */
  onFrame(text: string, frame: Record<string, unknown>, receivedAt: Date): void;
  /** Called once when the socket is gone, however it went. */
  onEnd(end: SocketEnd): void;
  now(): Date;
}

const HEARTBEAT = JSON.stringify({ act: 'get_onlines', ids: [] });

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as Buffer).toString('utf8');
}

/** Refuses a URL upstream handed out that is not a websocket URL. */
function websocketUrl(raw: string): URL {
  const url = new URL(raw);
  if (url.protocol !== 'wss:' && url.protocol !== 'ws:') throw new Error(`wsUrl is not a websocket URL (${url.protocol})`);
  return url;
}

export class UpstreamSocket {
  connectedAt: Date | null = null;
  /** The last content frame (or the connect acknowledgement): how long the socket has been quiet. */
  lastFrameAt: Date | null = null;
  lastHeartbeatAt: Date | null = null;
  private readonly ws: WebSocket;
  private ended = false;
  private handshakeTimer: NodeJS.Timeout | null;

  constructor(private readonly options: UpstreamSocketOptions) {
    const url = websocketUrl(options.url);
    const isSecure = url.protocol === 'wss:';
    this.ws = new WebSocket(url, {
      headers: { Origin: 'https://onlyfans.com', 'User-Agent': options.userAgent, 'Accept-Language': 'en-US,en;q=0.9' },
      handshakeTimeout: options.handshakeTimeoutMs,
      perMessageDeflate: false,
      maxPayload: 4 * 1024 * 1024,
      followRedirects: false,
      ...(options.proxyUrl ? { createConnection: proxiedConnection(options.proxyUrl, options.policy, isSecure) as never } : {}),
    });
    // Covers the upgrade and the connect acknowledgement.
    this.handshakeTimer = setTimeout(() => this.fail('no connect acknowledgement in time'), options.handshakeTimeoutMs);
    this.ws.once('open', () => this.ws.send(JSON.stringify({ act: 'connect', token: options.token })));
    this.ws.on('message', (data) => this.onMessage(textOf(data)));
    this.ws.on('error', (error) => this.fail(error.message));
    this.ws.once('close', (code) => this.end({ kind: 'closed', code }));
  }

  get isOpen(): boolean {
    return this.connectedAt !== null && !this.ended;
  }

  heartbeat(): void {
    if (!this.isOpen) return;
    this.lastHeartbeatAt = this.options.now();
    this.ws.send(HEARTBEAT);
  }

  close(): void {
    this.end({ kind: 'closed', code: 1000 });
  }

  private onMessage(text: string): void {
    if (this.ended) return;
    const parsed = parseFrame(text);
    if (this.connectedAt === null) {
      if (parsed.kind !== 'garbled' && parsed.frame.connected === true) {
        this.clearHandshakeTimer();
        this.connectedAt = this.lastFrameAt = this.options.now();
        return;
      }
      if (parsed.kind !== 'garbled' && 'error' in parsed.frame) return this.end({ kind: 'refused', code: parsed.frame.error });
      return this.fail('the first frame was not a connect acknowledgement');
    }
    if (parsed.kind === 'garbled') return;
    if (parsed.kind === 'control') {
      if ('error' in parsed.frame) this.end({ kind: 'refused', code: parsed.frame.error });
      return;
    }
    const at = this.options.now();
    this.lastFrameAt = at;
    this.options.onFrame(text, parsed.frame, at);
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }

  private fail(message: string): void {
    this.end({ kind: 'failed', message });
  }

  private end(end: SocketEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.clearHandshakeTimer();
    this.ws.removeAllListeners('message');
    this.ws.on('error', () => {});
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    else this.ws.terminate();
    this.options.onEnd(end);
  }
}
