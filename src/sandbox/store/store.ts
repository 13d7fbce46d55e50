// Where the simulator's state lives. Every node's in-process simulator reads and writes the same store and keeps a
// cache of it in memory; the change feed tells each node what another one wrote so it drops that part of its cache.
// Two implementations: the service's database (both engines) and a process-local one for `ofconnect sandbox`
// without --data-dir and the simulator's own unit tests.
import type { DynamicRules } from '../../upstream/rules.ts';
import type { FaultKind } from '../faults.ts';

export interface StoredChallenge {
  email: string;
  attemptsLeft: number;
  expiresAt: number;
}

/** A session as stored: keyed by the SHA-256 of its sess cookie, never the cookie itself. Times in ms. */
export interface StoredSession {
  sessHash: string;
  kind: 'guest' | 'auth';
  email: string | null;
  userId: number | null;
  xBc: string;
  userAgent: string;
  fp: string | null;
  authUid: string | null;
  csrf: string | null;
  ip: string | null;
  challenge: StoredChallenge | null;
  createdAt: number;
  expiresAt: number | null;
}

export interface StoredRules {
  current: DynamicRules;
  previous: DynamicRules | null;
  /** ms; 0 before the first rotation. */
  rotatedAt: number;
}

export interface StoredArea {
  area: string;
  shapeVersion: number;
  state: Buffer;
  version: number;
}

export interface StoredFault {
  id: number;
  kind: FaultKind;
  /** null: until cleared. */
  remaining: number | null;
  probability: number;
  pathPrefix: string;
  latencyMs: number;
  retryAfterSeconds: number;
}

/** What another node changed: s = a session (by hash), S = every session, a = an account's areas, r = rules, f = faults. */
export type StoreChange =
  | { k: 's'; h: string }
  | { k: 'S' }
  | { k: 'a'; seed: number; u: number }
  | { k: 'r'; seed: number }
  | { k: 'f' };

export interface ChangeListener {
  onChange(change: StoreChange): void;
  /** Notifications may have been missed (the feed reconnected): drop every cache. */
  onReset(): void;
}

export interface SandboxStore {
  /** The fixture anchor of this seed: inserted at the first start (if absent), then read back. */
  anchorFor(seed: number, candidateMs: number): Promise<number>;

  findSession(sessHash: string): Promise<StoredSession | undefined>;
  /** A new session. */
  saveSession(session: StoredSession): Promise<void>;
  /** A change to a stored session; never brings back one that was deleted meanwhile. */
  updateSession(session: StoredSession): Promise<boolean>;
  deleteSession(sessHash: string): Promise<boolean>;
  /** Deletes a user's auth sessions but one; the deleted hashes. */
  deleteUserSessions(userId: number, exceptHash?: string): Promise<string[]>;
  deleteAllAuthSessions(): Promise<number>;
  userSessions(userId: number): Promise<StoredSession[]>;
  /** Drops guest sessions created before guestsBefore and auth sessions expired at nowMs. */
  sweepSessions(guestsBefore: number, nowMs: number): Promise<void>;

  /** Inserts the initial rules when none are stored (two nodes may start at once), then reads back what is stored. */
  initRules(seed: number, initial: StoredRules): Promise<StoredRules>;
  loadRules(seed: number): Promise<StoredRules | undefined>;
  saveRules(seed: number, rules: StoredRules): Promise<void>;

  loadAreas(seed: number, userId: number): Promise<StoredArea[]>;
  saveAreas(seed: number, userId: number, areas: Array<{ area: string; shapeVersion: number; state: Buffer }>): Promise<void>;

  listFaults(): Promise<StoredFault[]>;
  addFault(fault: Omit<StoredFault, 'id'>): Promise<StoredFault>;
  /** One use of a counted fault; deleted at zero. */
  consumeFault(id: number): Promise<void>;
  clearFaults(): Promise<void>;

  /** Tells the other nodes (not this one) what changed, after the change committed. */
  publish(change: StoreChange): Promise<void>;
  subscribe(listener: ChangeListener): Promise<void>;
  close(): Promise<void>;
}
