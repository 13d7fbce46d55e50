// The vault's envelope rule by rule: key ring checks, the blob format, associated data binding a blob to its owner,
// rotation (re-encryption under the newest key), key specs and the local key file; and the Link form token it seals.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { issueFormToken, isValidFormToken } from '../../src/link/pages/csrf.ts';
import { makeTempDir } from '../support/test-run.ts';
import {
  createVault,
  generateVaultKeySpec,
  keyRingProblem,
  loadOrCreateLocalVaultKeys,
  parseVaultKeys,
  reencryptBlob,
  type VaultKey,
} from '../../src/platform/vault.ts';

const keyOf = (id: string): VaultKey => ({ id, key: randomBytes(32) });

describe('vault envelope', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an empty key ring, keys that are not 32 bytes and ids outside letters, digits, _ and -', () => {
    expect(() => createVault([])).toThrow(/at least one key/);
    expect(() => createVault([{ id: 'short', key: randomBytes(31) }])).toThrow('vault key short must be 32 bytes');
    expect(() => createVault([{ id: 'long', key: randomBytes(33) }])).toThrow(/32 bytes/);
    for (const id of ['a.b', 'a b', '', 'x/y', 'k1.']) {
      expect(() => createVault([{ id, key: randomBytes(32) }])).toThrow(/letters, digits, _ and - only/);
    }
    expect(createVault([keyOf('Ok_key-1')]).currentKeyId).toBe('Ok_key-1');
    // Every key of the ring is checked, not only the first.
    expect(() => createVault([keyOf('good'), { id: 'bad', key: randomBytes(16) }])).toThrow(/bad must be 32 bytes/);
    expect(() => createVault([keyOf('good'), keyOf('bad.id')])).toThrow(/bad\.id/);
  });

  it('a blob is v1.<key id>.<iv>.<tag>.<ciphertext>, fresh each time, and decrypts to what went in', () => {
    const vault = createVault([keyOf('k1'), keyOf('k0')]);
    const a = vault.encrypt('secret text', 'owner-1');
    const b = vault.encrypt('secret text', 'owner-1');
    expect(a.keyId).toBe('k1');
    expect(a.blob).not.toBe(b.blob);
    const parts = a.blob.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe('k1');
    expect(Buffer.from(parts[2], 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[3], 'base64url')).toHaveLength(16);
    expect(Buffer.from(parts[4], 'base64url').toString('utf8')).not.toContain('secret');
    expect(a.blob).not.toContain('secret text');
    expect(vault.decrypt(a.blob, 'owner-1')).toBe('secret text');
    expect(vault.keyIdOf(a.blob)).toBe('k1');
    expect(vault.keyIdOf('nodots')).toBe('');
    expect(vault.decrypt(vault.encrypt('', 'x').blob, 'x')).toBe('');
    expect(vault.decrypt(vault.encrypt('no aad').blob)).toBe('no aad');
  });

  it('the associated data binds a blob to its owner: another owner, none, or a tampered part does not decrypt', () => {
    const vault = createVault([keyOf('k1')]);
    const { blob } = vault.encrypt('session', 'connection-session:conn_a');
    expect(() => vault.decrypt(blob, 'connection-session:conn_b')).toThrow();
    expect(() => vault.decrypt(blob)).toThrow();
    const withAad = vault.encrypt('x');
    expect(() => vault.decrypt(withAad.blob, 'something')).toThrow();
    const [v, id, iv, tag, ct] = blob.split('.');
    const flip = (s: string) => {
      const bytes = Buffer.from(s, 'base64url');
      bytes[0] ^= 1;
      return bytes.toString('base64url');
    };
    expect(() => vault.decrypt([v, id, iv, tag, flip(ct)].join('.'), 'connection-session:conn_a')).toThrow();
    expect(() => vault.decrypt([v, id, iv, flip(tag), ct].join('.'), 'connection-session:conn_a')).toThrow();
    expect(() => vault.decrypt([v, id, flip(iv), tag, ct].join('.'), 'connection-session:conn_a')).toThrow();
  });

  it('anything that is not a v1 blob of a key in the ring is refused, saying which', () => {
    const vault = createVault([keyOf('k1')]);
    const { blob } = vault.encrypt('x', 'a');
    const [, , iv, tag, ct] = blob.split('.');
    expect(() => vault.decrypt(['v2', 'k1', iv, tag, ct].join('.'), 'a')).toThrow('not a vault blob');
    expect(() => vault.decrypt(['v1', '', iv, tag, ct].join('.'), 'a')).toThrow('not a vault blob');
    expect(() => vault.decrypt(['v1', 'k1', iv, tag].join('.'), 'a')).toThrow('not a vault blob');
    expect(() => vault.decrypt(['v1', 'k1', iv].join('.'), 'a')).toThrow('not a vault blob');
    expect(() => vault.decrypt(['v1', 'k1'].join('.'), 'a')).toThrow('not a vault blob');
    expect(() => vault.decrypt('garbage', 'a')).toThrow('not a vault blob');
    expect(() => vault.decrypt(['v1', 'k9', iv, tag, ct].join('.'), 'a')).toThrow('vault key k9 is not in the key ring');
  });

  it('JSON values round-trip under their associated data', () => {
    const vault = createVault([keyOf('k1')]);
    const value = { cookie: 'c=1', nested: { n: 2 }, list: [1, 'two'] };
    const { blob, keyId } = vault.encryptJson(value, 'owner');
    expect(keyId).toBe('k1');
    expect(vault.decryptJson(blob, 'owner')).toEqual(value);
    expect(() => vault.decryptJson(blob, 'other')).toThrow();
    expect(vault.decryptJson(vault.encryptJson([1]).blob)).toEqual([1]);
  });

  it('the first key encrypts and any key of the ring decrypts; rotation re-encrypts old blobs under the first only', () => {
    const oldKey = keyOf('old');
    const newKey = keyOf('new');
    const before = createVault([oldKey]);
    const old = before.encrypt('payload', 'aad');
    const after = createVault([newKey, oldKey]);
    expect(after.decrypt(old.blob, 'aad')).toBe('payload');
    const rotated = reencryptBlob(after, old.blob, 'aad');
    expect(rotated).not.toBeNull();
    expect(after.keyIdOf(rotated!)).toBe('new');
    expect(createVault([newKey]).decrypt(rotated!, 'aad')).toBe('payload');
    expect(reencryptBlob(after, rotated!, 'aad')).toBeNull();
    expect(() => reencryptBlob(after, old.blob, 'wrong')).toThrow();
  });

  it('key specs are id:base64 pairs separated by commas, blanks ignored; a part without an id is refused', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const keys = parseVaultKeys(` k1:${a.toString('base64')} ,, k0:${b.toString('base64')},`);
    expect(keys.map((k) => k.id)).toEqual(['k1', 'k0']);
    expect(keys[0].key.equals(a)).toBe(true);
    expect(keys[1].key.equals(b)).toBe(true);
    expect(parseVaultKeys('')).toEqual([]);
    expect(() => parseVaultKeys(`:${a.toString('base64')}`)).toThrow('OFCONNECT_VAULT_KEYS entries look like id:base64key');
    expect(() => parseVaultKeys('nocolon')).toThrow(/id:base64key/);
    const generated = generateVaultKeySpec('mine');
    const [parsed] = parseVaultKeys(generated);
    expect(parsed.id).toBe('mine');
    expect(parsed.key).toHaveLength(32);
    expect(generateVaultKeySpec()).toMatch(/^k[0-9a-z]+:/);
    expect(generateVaultKeySpec('x')).not.toBe(generateVaultKeySpec('x'));
  });

  it('the embedded default writes one key file (mode 0600) into the data directory and reads it back after', () => {
    const dir = path.join(makeTempDir('vault'), 'nested', 'data');
    dirs.push(path.dirname(path.dirname(dir)));
    const first = loadOrCreateLocalVaultKeys(dir);
    expect(first.created).toBe(true);
    expect(first.file).toBe(path.join(dir, 'vault-keys'));
    expect(first.keys).toHaveLength(1);
    expect(first.keys[0].id).toBe('local1');
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(first.file, 'utf8')).toMatch(/^local1:[A-Za-z0-9+/=]+\n$/);
    const second = loadOrCreateLocalVaultKeys(dir);
    expect(second.created).toBe(false);
    expect(second.file).toBe(first.file);
    expect(second.keys[0].key.equals(first.keys[0].key)).toBe(true);
  });
});

describe('the start-up check of the key ring against stored data', () => {
  const k1 = keyOf('k1');
  const k2 = keyOf('k2');
  const sampleOf = (vault: ReturnType<typeof createVault>, what: string, owner: string) => ({ what, blob: vault.encrypt('secret', owner).blob, associatedData: owner });

  it('a ring that names every key id in use and decrypts a sample of each passes, as does one with nothing stored', () => {
    const ring = createVault([k2, k1]);
    const samples = [sampleOf(createVault([k1]), 'a session', 'conn_1'), sampleOf(ring, 'a webhook secret', 'we_1')];
    expect(keyRingProblem(ring, new Map([['k1', 4], ['k2', 1]]), samples)).toBeNull();
    expect(keyRingProblem(ring, new Map(), [])).toBeNull();
  });

  it('key ids the data names that the ring lacks are listed with their counts, before any decryption', () => {
    const ring = createVault([k2, keyOf('k0')]);
    const undecryptable = [{ what: 'a session', blob: createVault([k1]).encrypt('x', 'a').blob, associatedData: 'b' }];
    expect(keyRingProblem(ring, new Map([['k1', 1], ['k2', 3]]), undecryptable)).toBe(
      'the vault key ring cannot decrypt stored data: it was written with key id k1 (1 stored secret), and the configured ' +
        'key ids are k2, k0. Add the missing key(s) to OFCONNECT_VAULT_KEYS ("newId:base64,k1:base64": the first key ' +
        'encrypts new data, every listed key decrypts), then `ofconnect vault rotate` moves the data to the first key',
    );
    expect(keyRingProblem(createVault([k2]), new Map([['k1', 2], ['k3', 1]]), [])).toBe(
      'the vault key ring cannot decrypt stored data: it was written with key id k1 (2 stored secrets), k3 (1 stored secret), ' +
        'and the configured key ids are k2. Add the missing key(s) to OFCONNECT_VAULT_KEYS ("newId:base64,k1:base64": the ' +
        'first key encrypts new data, every listed key decrypts), then `ofconnect vault rotate` moves the data to the first key',
    );
  });

  it('an id that now holds other key material is found by decrypting: the first sample that fails is named', () => {
    const original = createVault([k1]);
    const regenerated = createVault([k2, keyOf('k1')]);
    const samples = [sampleOf(regenerated, 'a session (conn_ok)', 'conn_ok'), sampleOf(original, 'a session (conn_old)', 'conn_old'), sampleOf(original, 'another', 'x')];
    expect(keyRingProblem(regenerated, new Map([['k1', 2], ['k2', 1]]), samples)).toBe(
      'the vault key ring cannot decrypt stored data: a session (conn_old) was written with key id k1, and the key ' +
        'configured under id k1 does not decrypt it (the same id now holds other key material; configured key ids: ' +
        'k2, k1). Put the original key back under id k1 in OFCONNECT_VAULT_KEYS',
    );
  });
});

describe('Link form tokens', () => {
  it('a token is the Link session id sealed by the vault: valid only for that session and that vault', () => {
    const vault = createVault([keyOf('k1')]);
    const token = issueFormToken(vault, 'ls_one');
    expect(token).not.toContain('ls_one');
    expect(isValidFormToken(vault, 'ls_one', token)).toBe(true);
    expect(isValidFormToken(vault, 'ls_two', token)).toBe(false);
    expect(isValidFormToken(createVault([keyOf('k1')]), 'ls_one', token)).toBe(false);
    // Sealed for the form, not any blob the vault made for the same text.
    expect(isValidFormToken(vault, 'ls_one', vault.encrypt('ls_one').blob)).toBe(false);
    expect(isValidFormToken(vault, 'ls_one', vault.encrypt('ls_one', 'link-form').blob)).toBe(true);
  });

  it('anything but a non-empty string of at most 512 characters is refused without decrypting', () => {
    const vault = createVault([keyOf('k1')]);
    const token = issueFormToken(vault, 'ls_one');
    expect(isValidFormToken(vault, 'ls_one', undefined)).toBe(false);
    expect(isValidFormToken(vault, 'ls_one', ['x'])).toBe(false);
    expect(isValidFormToken(vault, 'ls_one', '')).toBe(false);
    expect(isValidFormToken(vault, 'ls_one', 'garbage')).toBe(false);
    expect(isValidFormToken(vault, 'ls_one', `${token}${' '.repeat(513 - token.length)}`)).toBe(false);
    // A real token of exactly 512 characters is still read (46 characters of envelope + 466 of ciphertext).
    const id = 'y'.repeat(349);
    const longest = issueFormToken(vault, id);
    expect(longest).toHaveLength(512);
    expect(isValidFormToken(vault, id, longest)).toBe(true);
  });
});
