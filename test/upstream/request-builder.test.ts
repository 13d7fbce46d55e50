import { describe, expect, it } from 'vitest';
import { buildPathWithQuery, buildUpstreamRequest, encodeUpstreamQuery } from '../../src/upstream/request-builder.ts';
import { parseDynamicRules } from '../../src/upstream/rules.ts';
import { signUpstreamRequest } from '../../src/upstream/signing.ts';

// Rule set B of docs/onlyfans-web-api.md §2.2: removes the user_id header.
const RULES_B = parseDynamicRules({
  static_param: '8WYYXmgEGxJwlH1Cj6v73PpJh1slUZGY',
  format: '59816:{}:{:x}:6a15922f',
  prefix: '59816',
  suffix: '6a15922f',
  checksum_constant: -1,
  checksum_indexes: [31, 6, 23, 31, 19, 35, 19, 17, 26, 33, 16, 17, 33, 32, 4, 26, 26, 26, 33, 1, 7, 25, 4, 27, 11, 14, 17, 18, 29, 4, 5, 13],
  app_token: '33d57ade8c02dbc5a333db99ff9ae26a',
  remove_headers: ['user_id'],
  revision: '202605261229-b870bbaa28',
});
const RULES_KEEPING_USER_ID = { ...RULES_B, remove_headers: [] };
const SESSION = { cookie: `sess=s; auth_id=123456789; fp=${'f'.repeat(40)}`, userAgent: 'UA/1', xBc: 'c'.repeat(40) };
const CONTEXT = { rules: RULES_B, origin: 'https://onlyfans.com', now: 1764000000000 };

describe('upstream query strings', () => {
  it('keeps key order, repeats array keys and leaves brackets literal', () => {
    expect(encodeUpstreamQuery({ limit: 10, offset: 0, order: 'recent', 'm[]': [1, 2], 'filter[online]': true, skip: undefined })).toBe(
      'limit=10&offset=0&order=recent&m[]=1&m[]=2&filter[online]=true',
    );
  });

  it('percent-encodes values', () => {
    expect(encodeUpstreamQuery({ startDate: '2026-01-01 00:00:00', q: 'a&b=c' })).toBe('startDate=2026-01-01%2000%3A00%3A00&q=a%26b%3Dc');
  });

  it('passes a raw query string through untouched', () => {
    expect(buildPathWithQuery('/chats', '?limit=10&order=recent&x=%2F')).toBe('/api2/v2/chats?limit=10&order=recent&x=%2F');
  });

  it('prefixes /api2/v2 once', () => {
    expect(buildPathWithQuery('users/me')).toBe('/api2/v2/users/me');
    expect(buildPathWithQuery('/api2/v2/users/me')).toBe('/api2/v2/users/me');
    expect(buildPathWithQuery('/chats?a=1', { b: 2 })).toBe('/api2/v2/chats?a=1&b=2');
  });
});

describe('buildUpstreamRequest', () => {
  it('signs exactly the path and query it sends (protocol vector 4)', () => {
    const built = buildUpstreamRequest(SESSION, { method: 'get', path: '/chats', query: { limit: 10, offset: 0, order: 'recent' } }, CONTEXT);
    expect(built.pathWithQuery).toBe('/api2/v2/chats?limit=10&offset=0&order=recent');
    expect(built.headers.sign).toBe('59816:54bd2badaaad63d01bf9ed4b4a48d4910b636440:904:6a15922f');
    expect(built.headers.time).toBe('1764000000000');
    expect(built.method).toBe('GET');
  });

  it('sends the browser header set with the session cookie, UA, x-bc and revision', () => {
    const built = buildUpstreamRequest(SESSION, { method: 'GET', path: '/users/me' }, CONTEXT);
    expect(built.headers).toMatchObject({
      accept: 'application/json, text/plain, */*',
      'app-token': '33d57ade8c02dbc5a333db99ff9ae26a',
      'x-bc': SESSION.xBc,
      'user-agent': 'UA/1',
      cookie: SESSION.cookie,
      'x-of-rev': '202605261229-b870bbaa28',
      referer: 'https://onlyfans.com/',
    });
    expect(built.headers['content-type']).toBeUndefined();
    expect(built.body).toBeUndefined();
  });

  it('omits user-id when the rules remove it and sends it otherwise', () => {
    expect(buildUpstreamRequest(SESSION, { method: 'GET', path: '/users/me' }, CONTEXT).headers['user-id']).toBeUndefined();
    const kept = buildUpstreamRequest(SESSION, { method: 'GET', path: '/users/me' }, { ...CONTEXT, rules: RULES_KEEPING_USER_ID });
    expect(kept.headers['user-id']).toBe('123456789');
  });

  it('signs anonymous calls as user 0 with a fresh 40-hex x-bc (protocol vector 5)', () => {
    const built = buildUpstreamRequest(null, { method: 'POST', path: '/users/login', body: { email: 'a@b.c' } }, CONTEXT);
    expect(built.headers.sign).toBe('59816:9fa19ac633bc6ffa08dcc71b89f684101f721a82:9cd:6a15922f');
    expect(built.headers['x-bc']).toMatch(/^[0-9a-f]{40}$/);
    expect(built.headers.cookie).toBeUndefined();
    expect(built.headers['content-type']).toBe('application/json');
    expect(built.body).toBe('{"email":"a@b.c"}');
  });

  it('passes a bytes body through with its own content type', () => {
    const bytes = new TextEncoder().encode('--b\r\ncontent\r\n--b--');
    const built = buildUpstreamRequest(
      SESSION,
      { method: 'POST', path: '/upload', body: bytes, contentType: 'multipart/form-data; boundary=b' },
      CONTEXT,
    );
    expect(built.body).toBe(bytes);
    expect(built.headers['content-type']).toBe('multipart/form-data; boundary=b');
  });

  it('does not send x-of-rev for rules without a real build revision', () => {
    const rules = { ...RULES_B, revision: '59816-6a15922f' };
    expect(buildUpstreamRequest(SESSION, { method: 'GET', path: '/init' }, { ...CONTEXT, rules }).headers['x-of-rev']).toBeUndefined();
  });

  it('agrees with signUpstreamRequest for a query with encoded characters', () => {
    const built = buildUpstreamRequest(SESSION, { method: 'GET', path: '/earnings/chart', query: { startDate: '2026-01-01 00:00:00' } }, CONTEXT);
    const expected = signUpstreamRequest(RULES_B, { path: built.pathWithQuery, time: CONTEXT.now, userId: '123456789' });
    expect(built.headers.sign).toBe(expected.sign);
  });
});
