import { describe, expect, it } from 'vitest';
import { parseDynamicRules } from '../../src/upstream/rules.ts';
import { signUpstreamRequest } from '../../src/upstream/signing.ts';

const APP_TOKEN = '33d57ade8c02dbc5a333db99ff9ae26a';
const A = parseDynamicRules({
  static_param: 'SOdCcTAox9fUUCoga9kwNKfyUK8SPfEy', format: '13681:{}:{:x}:653fe833',
  start: '13681', prefix: '13681', end: '653fe833', suffix: '653fe833', checksum_constant: -1428,
  checksum_indexes: [2, 2, 3, 4, 6, 7, 8, 10, 11, 11, 13, 13, 14, 15, 16, 18, 21, 24, 27, 28, 29, 29, 31, 32, 32, 33, 34, 34, 37, 38, 38, 39],
  app_token: APP_TOKEN, revision: '202310301730-95107ea7c5',
});
const B = parseDynamicRules({
  static_param: '8WYYXmgEGxJwlH1Cj6v73PpJh1slUZGY', format: '59816:{}:{:x}:6a15922f',
  start: '59816', prefix: '59816', end: '6a15922f', suffix: '6a15922f', checksum_constant: -1,
  checksum_indexes: [31, 6, 23, 31, 19, 35, 19, 17, 26, 33, 16, 17, 33, 32, 4, 26, 26, 26, 33, 1, 7, 25, 4, 27, 11, 14, 17, 18, 29, 4, 5, 13],
  app_token: APP_TOKEN, remove_headers: ['user_id'], revision: '202605261229-b870bbaa28',
});
// Rule set C comes from an older feed that only has start/end: prefix and suffix are derived.
const C = parseDynamicRules({
  static_param: 'wEQRq8G7KRZzORUL0QiItTIYaFb3msBv', format: '8215:{}:{:x}:64539174',
  start: '8215', end: '64539174', checksum_constant: -359,
  checksum_indexes: [0, 1, 2, 4, 8, 9, 10, 11, 12, 12, 13, 14, 19, 19, 21, 21, 22, 23, 24, 25, 25, 25, 26, 28, 34, 34, 34, 34, 36, 37, 39, 39],
  app_token: APP_TOKEN, revision: '202305041104-d64bb67bcf',
});

const vectors = [
  { n: 1, rules: A, time: 1698750762486, path: '/api2/v2/init', userId: 0, sha1: '79f49ec045b82e2823c959051aaf4b369667d830', cs: 743, sign: '13681:79f49ec045b82e2823c959051aaf4b369667d830:2e7:653fe833' },
  { n: 2, rules: A, time: 1698750762486, path: '/api2/v2/init', userId: 237024672, sha1: 'e35387a542219441ec65e55ec3c2413586c099f8', cs: 581, sign: '13681:e35387a542219441ec65e55ec3c2413586c099f8:245:653fe833' },
  { n: 3, rules: B, time: 1764000000000, path: '/api2/v2/users/me', userId: 123456789, sha1: '3f28c620e274043028b63155c175fa1bb375f76e', cs: 2101, sign: '59816:3f28c620e274043028b63155c175fa1bb375f76e:835:6a15922f' },
  { n: 4, rules: B, time: 1764000000000, path: '/api2/v2/chats?limit=10&offset=0&order=recent', userId: 123456789, sha1: '54bd2badaaad63d01bf9ed4b4a48d4910b636440', cs: 2308, sign: '59816:54bd2badaaad63d01bf9ed4b4a48d4910b636440:904:6a15922f' },
  { n: 5, rules: B, time: 1764000000000, path: '/api2/v2/users/login', userId: 0, sha1: '9fa19ac633bc6ffa08dcc71b89f684101f721a82', cs: 2509, sign: '59816:9fa19ac633bc6ffa08dcc71b89f684101f721a82:9cd:6a15922f' },
  { n: 6, rules: C, time: 1700000000000, path: '/api2/v2/users/me', userId: 123456789, sha1: '78ce0c946f8b4029d253d5bdd87a1dec317b86eb', cs: 1715, sign: '8215:78ce0c946f8b4029d253d5bdd87a1dec317b86eb:6b3:64539174' },
];

describe('signUpstreamRequest reproduces the test vectors of docs/onlyfans-web-api.md §2.2', () => {
  for (const v of vectors) {
    it(`vector ${v.n}: ${v.path} as user ${v.userId}`, () => {
      const signed = signUpstreamRequest(v.rules, { path: v.path, time: v.time, userId: v.userId });
      expect(signed.sha1).toBe(v.sha1);
      expect(Math.abs(signed.checksum)).toBe(v.cs);
      expect(signed.sign).toBe(v.sign);
      expect(signed.time).toBe(String(v.time));
    });
  }

  it('derives prefix and suffix from start/end when a feed omits them', () => {
    expect(C.prefix).toBe('8215');
    expect(C.suffix).toBe('64539174');
  });

  it('rejects a rule set with a checksum index outside the SHA-1 hex', () => {
    expect(() => parseDynamicRules({ ...B, checksum_indexes: [40] })).toThrow(/checksum_indexes/);
  });
});
