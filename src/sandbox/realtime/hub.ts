// The simulator's realtime channel (docs/onlyfans-realtime.md Part 1): the websocket credentials GET /users/me hands
// out, the sockets open on this node, and the frames the control API pushes to them. A token is a JWT-shaped string
// signed with a key derived from the sandbox seed, so every node of one sandbox accepts the others' tokens. As
// upstream does, a token that expires (or whose session ends) leaves its socket open and answering heartbeats while
// content frames stop: a client notices only by the silence.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebSocket } from 'ws';
import { accountFromEmail, type SandboxAccount } from '../accounts.ts';
import type { SandboxState } from '../sandbox-state.ts';

/** About a day, as public clients report for the real token. */
export const SANDBOX_WS_TOKEN_TTL_MS = 24 * 3_600_000;
/** The version the connect acknowledgement carries (the 2026 captures say 5.4.0). */
export const SANDBOX_WS_VERSION = '5.4.0';

export interface WsTokenClaims {
  /** The account's user id. */
  uid: number;
  /** The hash of the REST session the token was issued to. */
  sid: string;
  /** The sandbox account's email (another node of the sandbox rebuilds the account from it). */
  eml: string;
  iat: number;
  exp: number;
}

export interface HeldSocket {
  socket: WebSocket;
  account: SandboxAccount;
  claims: WsTokenClaims;
  connectedAt: number;
  userAgent: string;
  origin: string;
  /** The path the client opened (/ws3/<n>). */
  path: string;
  framesSent: number;
  /** Heartbeats ({"act":"get_onlines"}) the client sent. */
  heartbeats: number;
}

export interface SocketListing {
  userId: number;
  connectedAt: string;
  tokenIssuedAt: string;
  isTokenValid: boolean;
  framesSent: number;
  heartbeats: number;
  userAgent: string;
  origin: string;
  path: string;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export class RealtimeHub {
  private readonly key: Buffer;
  private readonly sockets = new Set<HeldSocket>();
  /** Per user: tokens issued before this instant no longer deliver (POST /_sandbox/realtime/tokens/expire). */
  private readonly expiredBefore = new Map<number, number>();
  /** Accounts that were issued a token on this node, for control calls that name a user id. */
  private readonly accounts = new Map<number, SandboxAccount>();

  constructor(readonly state: SandboxState) {
    this.key = createHash('sha256').update(`ofconnect-sandbox-realtime:${state.seed}`).digest();
  }

  /** The wsAuthToken for a session's account. */
  issueToken(account: SandboxAccount, sessHash: string): string {
    this.accounts.set(account.userId, account);
    const iat = this.state.now();
    const claims: WsTokenClaims = { uid: account.userId, sid: sessHash, eml: account.email, iat, exp: iat + SANDBOX_WS_TOKEN_TTL_MS };
    const body = `${base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }))}.${base64url(JSON.stringify(claims))}`;
    return `${body}.${this.sign(body)}`;
  }

  /** The claims of a token this sandbox signed (expired or not), or null. */
  verifyToken(token: string): WsTokenClaims | null {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const expected = Buffer.from(this.sign(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as WsTokenClaims;
      return Number.isSafeInteger(claims.uid) && typeof claims.sid === 'string' && typeof claims.eml === 'string' ? claims : null;
    } catch {
      return null;
    }
  }

  /** The account a token names. */
  accountOf(claims: WsTokenClaims): SandboxAccount | undefined {
    const account = this.accounts.get(claims.uid) ?? accountFromEmail(claims.eml);
    return account?.userId === claims.uid ? account : undefined;
  }

  /** An account that was issued a token or held a socket on this node. */
  accountFor(userId: number): SandboxAccount | undefined {
    return this.accounts.get(userId);
  }

  add(held: HeldSocket): void {
    this.accounts.set(held.account.userId, held.account);
    this.sockets.add(held);
    held.socket.once('close', () => this.sockets.delete(held));
  }

  /** Ends every token of a user issued until now: their sockets stay open and go quiet. */
  expireTokens(userId: number): number {
    this.expiredBefore.set(userId, this.state.now() + 1);
    return [...this.sockets].filter((held) => held.account.userId === userId).length;
  }

  /** Closes a user's sockets from the server side (1012: service restart); returns how many. */
  closeSockets(userId: number): number {
    const held = [...this.sockets].filter((h) => h.account.userId === userId);
    for (const h of held) h.socket.close(1012, 'service restart');
    return held.length;
  }

  isTokenValid(claims: WsTokenClaims): boolean {
    const now = this.state.now();
    return now < claims.exp && claims.iat >= (this.expiredBefore.get(claims.uid) ?? 0);
  }

  /**
   * Sends frames to every socket of the user whose token still delivers and whose REST session is still alive.
   * Returns how many sockets got them.
   */
  async push(userId: number, frames: Array<Record<string, unknown>>): Promise<number> {
    const held = [...this.sockets].filter((h) => h.account.userId === userId && this.isTokenValid(h.claims));
    if (held.length === 0) return 0;
    const liveSessions = new Set((await this.state.sessions.sessionsOf(userId)).map((s) => s.sessHash));
    let reached = 0;
    for (const h of held) {
      if (!liveSessions.has(h.claims.sid) || h.socket.readyState !== h.socket.OPEN) continue;
      for (const frame of frames) h.socket.send(JSON.stringify(frame));
      h.framesSent += frames.length;
      reached += 1;
    }
    return reached;
  }

  list(): SocketListing[] {
    return [...this.sockets].map((h) => ({
      userId: h.account.userId,
      connectedAt: new Date(h.connectedAt).toISOString(),
      tokenIssuedAt: new Date(h.claims.iat).toISOString(),
      isTokenValid: this.isTokenValid(h.claims),
      framesSent: h.framesSent,
      heartbeats: h.heartbeats,
      userAgent: h.userAgent,
      origin: h.origin,
      path: h.path,
    }));
  }

  get size(): number {
    return this.sockets.size;
  }

  closeAll(): void {
    for (const h of this.sockets) h.socket.terminate();
    this.sockets.clear();
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

const hubs = new WeakMap<SandboxState, RealtimeHub>();

/** The realtime hub of a running simulator (one per state). */
export function realtimeHubOf(state: SandboxState): RealtimeHub {
  let hub = hubs.get(state);
  if (!hub) hubs.set(state, (hub = new RealtimeHub(state)));
  return hub;
}

/** A shard number from the account, as upstream spreads accounts over /ws3/<n>. */
function shardOf(userId: number): number {
  return (userId % 40) + 1;
}

/** The wsUrl and wsAuthToken fields /users/me carries, for the host the caller reached. */
export function realtimeCredentials(state: SandboxState, account: SandboxAccount, sessHash: string, host: string | undefined) {
  const hub = realtimeHubOf(state);
  return { wsUrl: `ws://${host ?? '127.0.0.1'}/ws3/${shardOf(account.userId)}`, wsAuthToken: hub.issueToken(account, sessHash) };
}
