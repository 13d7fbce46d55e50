// The API key guard's rules without a database: key format and material, scopes and connection permissions (what
// `npm run mutate` holds these modules to). The authenticator and its hook: authenticate-guard.test.ts.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { displayPrefix, environmentOfKey, hashApiKey, mintApiKey } from '../../src/account/api-keys.ts';
import {
  CONNECTION_PERMISSIONS,
  READ_CONNECTION_PERMISSIONS,
  defaultConnectionPermissionsFor,
  unknownPermissions,
} from '../../src/account/permissions.ts';
import { permissionNamesOf } from '../../src/account/scopes.ts';

const ALNUM = 'Ab3'.repeat(30);

describe('API key material', () => {
  it('a key is sk_sandbox_ or sk_live_ and 32 to 64 letters or digits, nothing before or after', () => {
    expect(environmentOfKey(`sk_sandbox_${ALNUM.slice(0, 32)}`)).toBe('sandbox');
    expect(environmentOfKey(`sk_live_${ALNUM.slice(0, 64)}`)).toBe('live');
    expect(environmentOfKey(`sk_live_${ALNUM.slice(0, 31)}`)).toBeNull();
    expect(environmentOfKey(`sk_live_${ALNUM.slice(0, 65)}`)).toBeNull();
    expect(environmentOfKey(`xsk_live_${ALNUM.slice(0, 40)}`)).toBeNull();
    expect(environmentOfKey(`sk_live_${ALNUM.slice(0, 40)}!`)).toBeNull();
    expect(environmentOfKey(`sk_live_${ALNUM.slice(0, 20)}-${ALNUM.slice(0, 20)}`)).toBeNull();
    expect(environmentOfKey(`sk_test_${ALNUM.slice(0, 40)}`)).toBeNull();
    expect(environmentOfKey('')).toBeNull();
  });

  it('a minted key has 40 random characters, is stored as its SHA-256 and shown by its first six', () => {
    for (const environment of ['sandbox', 'live'] as const) {
      const a = mintApiKey(environment);
      const b = mintApiKey(environment);
      expect(a.secret).toMatch(new RegExp(`^sk_${environment}_[A-Za-z0-9]{40}$`));
      expect(a.secret).not.toBe(b.secret);
      expect(environmentOfKey(a.secret)).toBe(environment);
      expect(a.hash).toBe(createHash('sha256').update(a.secret).digest('hex'));
      expect(a.prefix).toBe(a.secret.slice(0, `sk_${environment}_`.length + 6));
    }
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(displayPrefix('sk_live_ABCDEFGHIJ')).toBe('sk_live_ABCDEF');
    expect(displayPrefix('sk_sandbox_ABCDEFGHIJ')).toBe('sk_sandbox_ABCDEF');
  });
});

describe('scopes and connection permissions', () => {
  it('whoami names scopes by their OFAuth permission names, in a fixed order, ignoring unknown ones', () => {
    expect(permissionNamesOf(['admin', 'rules', 'account', 'bogus'])).toEqual(['ACCOUNT', 'DYNAMIC_RULES', 'ADMIN']);
    expect(permissionNamesOf(['access', 'link'])).toEqual(['LINK', 'ACCESS']);
    expect(permissionNamesOf([])).toEqual([]);
  });

  it('sandbox connections default to every read and write, live ones to reads only, and each caller gets its own copy', () => {
    const sandbox = defaultConnectionPermissionsFor('sandbox');
    expect(sandbox).toHaveLength(18);
    expect(sandbox).toContain('posts:write');
    expect(sandbox).toContain('lists:read');
    const live = defaultConnectionPermissionsFor('live');
    expect(live).toEqual(READ_CONNECTION_PERMISSIONS);
    expect(live.every((p) => p.endsWith(':read'))).toBe(true);
    expect(live).toHaveLength(9);
    sandbox.pop();
    live.pop();
    expect(defaultConnectionPermissionsFor('sandbox')).toEqual(CONNECTION_PERMISSIONS);
    expect(defaultConnectionPermissionsFor('live')).toHaveLength(9);
  });

  it('unknown permissions are named back, known ones pass', () => {
    expect(unknownPermissions(['posts:read', 'posts:delete', 'vault:write', 'admin'])).toEqual(['posts:delete', 'admin']);
    expect(unknownPermissions(CONNECTION_PERMISSIONS)).toEqual([]);
  });
});
