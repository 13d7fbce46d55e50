// Guest and logged-in sessions, each bound to the x-bc and user agent that created it (docs/onlyfans-web-api.md §4).
// Logged-in sessions live until logout or revocation, except the expiring scenario's (docs/onlyfans-web-api.md §11).
import { randomBytes } from 'node:crypto';
import type { SandboxAccount } from './accounts.ts';

export interface OtpChallenge {
  account: SandboxAccount;
  attemptsLeft: number;
  expiresAt: number;
}

export interface GuestSession {
  kind: 'guest';
  sess: string;
  csrf: string;
  xBc: string;
  userAgent: string;
  createdAt: number;
  challenge?: OtpChallenge;
}

export interface AuthSession {
  kind: 'auth';
  sess: string;
  account: SandboxAccount;
  xBc: string;
  userAgent: string;
  /** The fp cookie: equal to the login's x-bc, so imported sessions can send x-bc = fp. */
  fp: string;
  authUid: string;
  createdAt: number;
  expiresAt?: number;
  ip?: string;
}

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MAX_GUESTS = 100_000;

function randomToken(length: number, alphabet = LOWER_ALNUM): string {
  let out = '';
  for (const byte of randomBytes(length)) out += alphabet[byte % alphabet.length];
  return out;
}

export class SessionStore {
  private readonly bySess = new Map<string, GuestSession | AuthSession>();
  private readonly byUser = new Map<number, Set<string>>();

  constructor(private readonly now: () => number) {}

  createGuest(xBc: string, userAgent: string): GuestSession {
    if (this.bySess.size >= MAX_GUESTS) this.evictOldestGuest();
    const guest: GuestSession = {
      kind: 'guest',
      sess: randomToken(26),
      csrf: randomToken(32, 'abcdef0123456789'),
      xBc,
      userAgent,
      createdAt: this.now(),
    };
    this.bySess.set(guest.sess, guest);
    return guest;
  }

  createAuth(account: SandboxAccount, xBc: string, userAgent: string, ttlMs?: number): AuthSession {
    const now = this.now();
    const session: AuthSession = {
      kind: 'auth',
      sess: randomToken(26),
      account,
      xBc,
      userAgent,
      fp: xBc,
      authUid: randomToken(32, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
      createdAt: now,
      expiresAt: ttlMs === undefined ? undefined : now + ttlMs,
    };
    this.bySess.set(session.sess, session);
    let set = this.byUser.get(account.userId);
    if (!set) this.byUser.set(account.userId, (set = new Set()));
    set.add(session.sess);
    return session;
  }

  /** A live session by its sess cookie; expired ones are dropped on the way. */
  find(sess: string | undefined): GuestSession | AuthSession | undefined {
    if (!sess) return undefined;
    const found = this.bySess.get(sess);
    if (found?.kind === 'auth' && found.expiresAt !== undefined && this.now() >= found.expiresAt) {
      this.revoke(sess);
      return undefined;
    }
    return found;
  }

  revoke(sess: string): boolean {
    const found = this.bySess.get(sess);
    if (!found) return false;
    this.bySess.delete(sess);
    if (found.kind === 'auth') this.byUser.get(found.account.userId)?.delete(sess);
    return true;
  }

  revokeUser(userId: number, except?: string): number {
    let count = 0;
    for (const sess of [...(this.byUser.get(userId) ?? [])]) {
      if (sess !== except && this.revoke(sess)) count++;
    }
    return count;
  }

  revokeAllAuth(): number {
    let count = 0;
    for (const [userId] of this.byUser) count += this.revokeUser(userId);
    return count;
  }

  sessionsOf(userId: number): AuthSession[] {
    const out: AuthSession[] = [];
    for (const sess of this.byUser.get(userId) ?? []) {
      const found = this.find(sess);
      if (found?.kind === 'auth') out.push(found);
    }
    return out;
  }

  private evictOldestGuest(): void {
    for (const [sess, session] of this.bySess) {
      if (session.kind === 'guest') {
        this.bySess.delete(sess);
        return;
      }
    }
  }
}
