import { describe, expect, it } from 'vitest';
import {
  mergeSetCookies,
  missingSessionCookies,
  parseSessionCookie,
  serialiseCookie,
  sessionFromImport,
  sessionUserId,
} from '../../src/upstream/session.ts';
import { ApiError } from '../../src/platform/errors.ts';

const FP = 'a'.repeat(40);
const BROWSER_COOKIE = `sess=abcdefghijklmnopqrstuvwxyz; auth_id=237024672; auth_uid_237024672=${'b'.repeat(32)}; fp=${FP}; csrf=xyz; lang=en`;

describe('session cookies', () => {
  it('parses sess, auth_id, fp and auth_uid_<id> out of a browser cookie header, keeping the rest', () => {
    const parsed = parseSessionCookie(BROWSER_COOKIE);
    expect(parsed).toEqual({
      authId: '237024672',
      sess: 'abcdefghijklmnopqrstuvwxyz',
      fp: FP,
      authUid: 'b'.repeat(32),
      others: { csrf: 'xyz', lang: 'en' },
    });
  });

  it('tolerates a pasted "Cookie:" prefix, stray spaces, empty parts and quoted values', () => {
    const parsed = parseSessionCookie(`Cookie:  sess="s1" ;;auth_id = 42 ; fp=${FP};`);
    expect(parsed.sess).toBe('s1');
    expect(parsed.authId).toBe('42');
    expect(parsed.fp).toBe(FP);
    expect(parsed.authUid).toBeUndefined();
  });

  it('names each required cookie that is absent or empty', () => {
    expect(missingSessionCookies(BROWSER_COOKIE)).toEqual([]);
    expect(missingSessionCookies('sess=abc; fp=')).toEqual(['auth_id', 'fp']);
    expect(missingSessionCookies('')).toEqual(['auth_id', 'sess', 'fp']);
  });

  it('serialises cookies back in order', () => {
    expect(serialiseCookie({ sess: 'a', auth_id: '1' })).toBe('sess=a; auth_id=1');
    expect(serialiseCookie(new Map([['b', '2'], ['a', '1']]))).toBe('b=2; a=1');
  });

  it('signs as the auth_id cookie, or as user 0 while anonymous', () => {
    expect(sessionUserId({ cookie: BROWSER_COOKIE })).toBe('237024672');
    expect(sessionUserId({ cookie: 'sess=guest' })).toBe('0');
    expect(sessionUserId(null)).toBe('0');
  });
});

describe('sessionFromImport', () => {
  it('sends an imported session with x-bc = fp (docs/onlyfans-web-api.md §11)', () => {
    const session = sessionFromImport({ cookie: `cookie: ${BROWSER_COOKIE}`, userAgent: ' UA/1.0 ' });
    expect(session.xBc).toBe(FP);
    expect(session.userAgent).toBe('UA/1.0');
    expect(session.cookie.startsWith('sess=abcdefghijklmnopqrstuvwxyz; auth_id=237024672')).toBe(true);
  });

  it('rejects a cookie without auth_id, sess or fp as a BAD_REQUEST naming what is missing', () => {
    try {
      sessionFromImport({ cookie: 'sess=abc', userAgent: 'UA' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).type).toBe('BAD_REQUEST');
      expect((error as ApiError).details).toEqual({ field: 'cookie', missing: ['auth_id', 'fp'] });
    }
  });

  it('rejects an auth_id that is not a numeric user id', () => {
    expect(() => sessionFromImport({ cookie: `sess=a; auth_id=abc; fp=${FP}`, userAgent: 'UA' })).toThrow(/numeric/);
  });

  it('rejects an import without a user agent', () => {
    expect(() => sessionFromImport({ cookie: BROWSER_COOKIE, userAgent: '' })).toThrow(/user agent/);
  });
});

describe('mergeSetCookies', () => {
  it('adds new cookies, replaces changed ones in place and drops attributes', () => {
    const merged = mergeSetCookies('sess=guest; csrf=1', [
      'sess=authed; Path=/; HttpOnly; SameSite=Lax',
      'auth_id=42; Path=/; Expires=Wed, 01 Jan 2099 00:00:00 GMT',
    ]);
    expect(merged).toBe('sess=authed; csrf=1; auth_id=42');
  });

  it('removes cookies that Set-Cookie expires or deletes', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const merged = mergeSetCookies(
      'a=1; b=2; c=3; d=4',
      ['a=; Path=/', 'b=x; Max-Age=0', 'c=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'd=deleted'],
      now,
    );
    expect(merged).toBe('');
  });
});
