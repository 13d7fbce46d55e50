// Guest and logged-in sessions, each bound to the x-bc and user agent that created it (docs/onlyfans-web-api.md §4).
// Logged-in sessions live until logout or revocation, except the expiring scenario's (docs/onlyfans-web-api.md §11).
// The store (src/sandbox/store) holds them by the SHA-256 of the sess cookie; this class is each node's cache of it:
// load() fills it before a request is verified, so find() answers from memory. A lookup that finds nothing is not
// cached (the session may be created on another node a moment later); a session another node changed or revoked
// is dropped from the cache by the change feed.
import { createHash, randomBytes } from 'node:crypto';
import type { SandboxAccount } from './accounts.ts';
import { accountFromEmail } from './accounts.ts';
import type { PendingWrites } from './pending-writes.ts';
import type { SandboxStore, StoredSession } from './store/store.ts';

export interface OtpChallenge {
  account: SandboxAccount;
  attemptsLeft: number;
  expiresAt: number;
}

export interface GuestSession {
  kind: 'guest';
  sess: string;
  sessHash: string;
  csrf: string;
  xBc: string;
  userAgent: string;
  createdAt: number;
  challenge?: OtpChallenge;
}

export interface AuthSession {
  kind: 'auth';
  sess: string;
  sessHash: string;
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

/** A user's session as GET /sessions lists it (other browsers' sess cookies are not known, only their hashes). */
export interface SessionListing {
  sessHash: string;
  authUid: string;
  createdAt: number;
  userAgent: string;
  ip: string | null;
}

/** Guest sessions older than this are swept (a login page is not kept open for an hour). */
export const GUEST_SESSION_LIFETIME_MS = 3_600_000;

/** Sessions a node keeps in memory; more are read from the store when used. */
const MAX_CACHED_SESSIONS = 100_000;

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomToken(length: number, alphabet = LOWER_ALNUM): string {
  let out = '';
  for (const byte of randomBytes(length)) out += alphabet[byte % alphabet.length];
  return out;
}

export function sessHashOf(sess: string): string {
  return createHash('sha256').update(sess).digest('hex');
}

function toStored(session: GuestSession | AuthSession): StoredSession {
  if (session.kind === 'guest') {
    const { challenge } = session;
    return {
      sessHash: session.sessHash,
      kind: 'guest',
      email: null,
      userId: null,
      xBc: session.xBc,
      userAgent: session.userAgent,
      fp: null,
      authUid: null,
      csrf: session.csrf,
      ip: null,
      challenge: challenge ? { email: challenge.account.email, attemptsLeft: challenge.attemptsLeft, expiresAt: challenge.expiresAt } : null,
      createdAt: session.createdAt,
      expiresAt: null,
    };
  }
  return {
    sessHash: session.sessHash,
    kind: 'auth',
    email: session.account.email,
    userId: session.account.userId,
    xBc: session.xBc,
    userAgent: session.userAgent,
    fp: session.fp,
    authUid: session.authUid,
    csrf: null,
    ip: session.ip ?? null,
    challenge: null,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt ?? null,
  };
}

function fromStored(stored: StoredSession, sess: string): GuestSession | AuthSession | undefined {
  if (stored.kind === 'guest') {
    const account = stored.challenge ? accountFromEmail(stored.challenge.email) : undefined;
    return {
      kind: 'guest',
      sess,
      sessHash: stored.sessHash,
      csrf: stored.csrf ?? '',
      xBc: stored.xBc,
      userAgent: stored.userAgent,
      createdAt: stored.createdAt,
      ...(account && stored.challenge ? { challenge: { account, attemptsLeft: stored.challenge.attemptsLeft, expiresAt: stored.challenge.expiresAt } } : {}),
    };
  }
  const account = stored.email ? accountFromEmail(stored.email) : undefined;
  if (!account) return undefined;
  return {
    kind: 'auth',
    sess,
    sessHash: stored.sessHash,
    account,
    xBc: stored.xBc,
    userAgent: stored.userAgent,
    fp: stored.fp ?? stored.xBc,
    authUid: stored.authUid ?? '',
    createdAt: stored.createdAt,
    ...(stored.expiresAt === null ? {} : { expiresAt: stored.expiresAt }),
    ...(stored.ip === null ? {} : { ip: stored.ip }),
  };
}

export class SessionStore {
  private readonly bySess = new Map<string, GuestSession | AuthSession>();
  private readonly sessByHash = new Map<string, string>();
  /** Counts the change feed's drops, so a read that raced one is done again. */
  private forgotten = 0;

  constructor(
    private readonly now: () => number,
    private readonly store: SandboxStore,
    private readonly writes: PendingWrites,
  ) {}

  /** Makes find(sess) answer from memory: the cache, else the store. Nothing to wait for on a cached session. */
  load(sess: string | undefined): Promise<void> | undefined {
    if (!sess || this.bySess.has(sess)) return undefined;
    const forgotten = this.forgotten;
    return this.store.findSession(sessHashOf(sess)).then((stored) => {
      // The feed dropped something while this read was out: it may have read what was just revoked, so read again.
      if (this.forgotten !== forgotten) return this.load(sess);
      if (!stored || this.bySess.has(sess)) return;
      const session = fromStored(stored, sess);
      if (session) this.remember(session);
    });
  }

  private remember(session: GuestSession | AuthSession): void {
    // A bounded cache: the oldest entry goes (the store still has it; the next request naming it reads it back).
    if (this.bySess.size >= MAX_CACHED_SESSIONS) {
      const oldest = this.bySess.keys().next();
      if (!oldest.done) this.drop(oldest.value);
    }
    this.bySess.set(session.sess, session);
    this.sessByHash.set(session.sessHash, session.sess);
  }

  private drop(sess: string): GuestSession | AuthSession | undefined {
    const found = this.bySess.get(sess);
    if (!found) return undefined;
    this.bySess.delete(sess);
    this.sessByHash.delete(found.sessHash);
    return found;
  }

  createGuest(xBc: string, userAgent: string): GuestSession {
    const sess = randomToken(26);
    const guest: GuestSession = {
      kind: 'guest',
      sess,
      sessHash: sessHashOf(sess),
      csrf: randomToken(32, 'abcdef0123456789'),
      xBc,
      userAgent,
      createdAt: this.now(),
    };
    this.remember(guest);
    this.writes.track(this.store.saveSession(toStored(guest)));
    return guest;
  }

  createAuth(account: SandboxAccount, xBc: string, userAgent: string, ttlMs?: number): AuthSession {
    const now = this.now();
    const sess = randomToken(26);
    const session: AuthSession = {
      kind: 'auth',
      sess,
      sessHash: sessHashOf(sess),
      account,
      xBc,
      userAgent,
      fp: xBc,
      authUid: randomToken(32, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
      createdAt: now,
      expiresAt: ttlMs === undefined ? undefined : now + ttlMs,
    };
    this.remember(session);
    this.writes.track(this.store.saveSession(toStored(session)));
    return session;
  }

  /** Stores a change made to a session in place (a guest's 2FA challenge, the ip first seen); a session revoked meanwhile stays revoked. */
  save(session: GuestSession | AuthSession): void {
    this.writes.track(
      this.store.updateSession(toStored(session)).then(async (updated) => {
        if (updated) await this.store.publish({ k: 's', h: session.sessHash });
      }),
    );
  }

  /** A live session by its sess cookie (after load()); expired ones are dropped on the way. */
  find(sess: string | undefined): GuestSession | AuthSession | undefined {
    if (!sess) return undefined;
    const found = this.bySess.get(sess);
    if (found?.kind === 'auth' && found.expiresAt !== undefined && this.now() >= found.expiresAt) {
      void this.revoke(sess);
      return undefined;
    }
    return found;
  }

  /** Ends a session everywhere; true when it existed. The reply that follows waits for the store. */
  revoke(sess: string): Promise<boolean> {
    const cached = this.drop(sess);
    const sessHash = cached?.sessHash ?? sessHashOf(sess);
    return this.writes.track(
      this.store.deleteSession(sessHash).then(async (deleted) => {
        if (deleted) await this.store.publish({ k: 's', h: sessHash });
        return deleted || cached !== undefined;
      }),
    );
  }

  /** Ends a user's logged-in sessions, but the one `except` names; how many ended. */
  revokeUser(userId: number, except?: string): Promise<number> {
    for (const [sess, session] of this.bySess) {
      if (session.kind === 'auth' && session.account.userId === userId && sess !== except) this.drop(sess);
    }
    return this.writes.track(
      this.store.deleteUserSessions(userId, except === undefined ? undefined : sessHashOf(except)).then(async (hashes) => {
        for (const h of hashes) await this.store.publish({ k: 's', h });
        return hashes.length;
      }),
    );
  }

  revokeAllAuth(): Promise<number> {
    for (const [sess, session] of this.bySess) if (session.kind === 'auth') this.drop(sess);
    return this.writes.track(
      this.store.deleteAllAuthSessions().then(async (count) => {
        await this.store.publish({ k: 'S' });
        return count;
      }),
    );
  }

  /** A user's live logged-in sessions, oldest first. */
  async sessionsOf(userId: number): Promise<SessionListing[]> {
    const now = this.now();
    return (await this.store.userSessions(userId))
      .filter((s) => s.expiresAt === null || now < s.expiresAt)
      .map((s) => ({ sessHash: s.sessHash, authUid: s.authUid ?? '', createdAt: s.createdAt, userAgent: s.userAgent, ip: s.ip }));
  }

  /** The change feed: another node changed or ended this session. */
  forget(sessHash: string): void {
    this.forgotten++;
    const sess = this.sessByHash.get(sessHash);
    if (sess !== undefined) this.drop(sess);
  }

  forgetAll(): void {
    this.forgotten++;
    this.bySess.clear();
    this.sessByHash.clear();
  }

  /** Drops old guest sessions and expired logged-in ones, here and in the store. */
  async sweep(): Promise<void> {
    const now = this.now();
    const guestsBefore = now - GUEST_SESSION_LIFETIME_MS;
    for (const [sess, session] of this.bySess) {
      if (session.kind === 'guest' ? session.createdAt < guestsBefore : session.expiresAt !== undefined && session.expiresAt <= now) this.drop(sess);
    }
    await this.store.sweepSessions(guestsBefore, now);
  }
}
