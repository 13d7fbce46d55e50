// The dashboard session as a cookie: the API key's id, org, environment, expiry and CSRF token sealed by the vault
// (AES-256-GCM with its own associated data), so the browser holds no key, cannot read or alter what it holds, and any
// node with the vault keys can open it. No table: a session is valid while its seal opens, its expiry has not passed
// and its key (looked up on each request, session-auth.ts) still exists, is not revoked and has the admin scope.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Environment } from '../platform/environment.ts';
import type { Vault } from '../platform/vault.ts';

export const SESSION_COOKIE = 'ofconnect_dashboard';
/** How long a sign-in lasts; the cookie's Max-Age says the same to the browser. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** The header every unsafe request of the dashboard carries (a page of another site cannot set it without CORS). */
export const CSRF_HEADER = 'x-csrf-token';
/** The seal of a session opens only as a session (a Link form token or a stored secret does not). */
const PURPOSE = 'dashboard-session';
/** A sealed session is ~250 bytes; anything much longer is not one and is not decrypted. */
const MAX_COOKIE_LENGTH = 1024;

export interface DashboardSession {
  keyId: string;
  orgId: string;
  environment: Environment;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  csrfToken: string;
}

interface SealedFields {
  k: string;
  o: string;
  e: Environment;
  x: number;
  c: string;
}

export function newSession(identity: { keyId: string; orgId: string; environment: Environment }, now: number): DashboardSession {
  const { keyId, orgId, environment } = identity;
  return { keyId, orgId, environment, expiresAt: now + SESSION_TTL_MS, csrfToken: randomBytes(24).toString('base64url') };
}

export function sealSession(vault: Vault, session: DashboardSession): string {
  const fields: SealedFields = { k: session.keyId, o: session.orgId, e: session.environment, x: session.expiresAt, c: session.csrfToken };
  return vault.encryptJson(fields, PURPOSE).blob;
}

/** The session a cookie value holds, or null when it is not one of ours (forged, altered, another vault's). */
export function openSession(vault: Vault, sealed: string): DashboardSession | null {
  if (sealed.length === 0 || sealed.length > MAX_COOKIE_LENGTH) return null;
  let fields: SealedFields;
  try {
    fields = vault.decryptJson<SealedFields>(sealed, PURPOSE);
  } catch {
    return null;
  }
  if (typeof fields?.k !== 'string' || typeof fields.o !== 'string' || typeof fields.x !== 'number' || typeof fields.c !== 'string') return null;
  if (fields.e !== 'sandbox' && fields.e !== 'live') return null;
  return { keyId: fields.k, orgId: fields.o, environment: fields.e, expiresAt: fields.x, csrfToken: fields.c };
}

export function hasSessionExpired(session: DashboardSession, now: number): boolean {
  return now >= session.expiresAt;
}

export function isCsrfTokenOf(session: DashboardSession, presented: string | string[] | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The value of one cookie in a Cookie header (first occurrence), or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    if (part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  isSecure: boolean;
}

/**
 * The Set-Cookie value: httpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Path=/ (the
 * dashboard calls /v2 and /_sandbox with it), Secure when the dashboard is served over https.
 */
export function sessionCookieHeader(sealed: string, maxAgeSeconds: number, options: CookieOptions): string {
  const parts = [`${SESSION_COOKIE}=${sealed}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`];
  if (options.isSecure) parts.push('Secure');
  return parts.join('; ');
}

export function clearedCookieHeader(options: CookieOptions): string {
  return sessionCookieHeader('', 0, options);
}
