// Envelope encryption for session material and stored secrets: AES-256-GCM under a key ring.
// The first key encrypts; any key in the ring decrypts, so keys rotate without downtime.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface VaultKey {
  id: string;
  key: Buffer;
}

export interface Vault {
  /** Id of the key new blobs are encrypted with. */
  readonly currentKeyId: string;
  /** Every key id of the ring, the encrypting one first. */
  readonly keyIds: readonly string[];
  encrypt(plaintext: string, associatedData?: string): { keyId: string; blob: string };
  decrypt(blob: string, associatedData?: string): string;
  encryptJson(value: unknown, associatedData?: string): { keyId: string; blob: string };
  decryptJson<T>(blob: string, associatedData?: string): T;
  /** The key id a blob was encrypted with. */
  keyIdOf(blob: string): string;
}

const VERSION = 'v1';

/** Blob format: v1.<keyId>.<iv b64url>.<tag b64url>.<ciphertext b64url>. The associated data binds a blob to its
 *  owner (e.g. the connection id), so a blob copied onto another row does not decrypt. */
export function createVault(keys: VaultKey[]): Vault {
  if (keys.length === 0) throw new Error('the vault needs at least one key');
  for (const k of keys) {
    if (k.key.length !== 32) throw new Error(`vault key ${k.id} must be 32 bytes`);
    if (!/^[A-Za-z0-9_-]+$/.test(k.id)) throw new Error(`vault key id "${k.id}" may use letters, digits, _ and - only`);
  }
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  const current = keys[0];
  const vault: Vault = {
    currentKeyId: current.id,
    keyIds: keys.map((k) => k.id),
    encrypt(plaintext, associatedData = '') {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      const blob = [VERSION, current.id, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
      return { keyId: current.id, blob };
    },
    decrypt(blob, associatedData = '') {
      const [version, keyId, iv, tag, ciphertext] = blob.split('.');
      if (version !== VERSION || !keyId || iv === undefined || tag === undefined || ciphertext === undefined) {
        throw new Error('not a vault blob');
      }
      const key = byId.get(keyId);
      if (!key) throw new Error(`vault key ${keyId} is not in the key ring`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
    encryptJson: (value, associatedData) => vault.encrypt(JSON.stringify(value), associatedData),
    decryptJson: <T>(blob: string, associatedData?: string) => JSON.parse(vault.decrypt(blob, associatedData)) as T,
    keyIdOf: (blob) => blob.split('.')[1] ?? '',
  };
  return vault;
}

/** The blob re-encrypted under the vault's current key, or null when it already is (key rotation). */
export function reencryptBlob(vault: Vault, blob: string, associatedData: string): string | null {
  if (vault.keyIdOf(blob) === vault.currentKeyId) return null;
  return vault.encrypt(vault.decrypt(blob, associatedData), associatedData).blob;
}

/** Parses OFCONNECT_VAULT_KEYS: "id1:base64key,id2:base64key" (first encrypts). */
export function parseVaultKeys(spec: string): VaultKey[] {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf(':');
      if (at <= 0) throw new Error('OFCONNECT_VAULT_KEYS entries look like id:base64key');
      return { id: part.slice(0, at), key: Buffer.from(part.slice(at + 1), 'base64') };
    });
}

export function generateVaultKeySpec(id = `k${Date.now().toString(36)}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** On the embedded default a key is generated once into the data directory (mode 0600). Returns the key ring and
 *  whether a new key was written (the caller logs a warning: losing that file loses every stored session). */
export function loadOrCreateLocalVaultKeys(dataDir: string): { keys: VaultKey[]; created: boolean; file: string } {
  const file = path.join(dataDir, 'vault-keys');
  fs.mkdirSync(dataDir, { recursive: true });
  if (fs.existsSync(file)) return { keys: parseVaultKeys(fs.readFileSync(file, 'utf8')), created: false, file };
  const spec = generateVaultKeySpec('local1');
  fs.writeFileSync(file, `${spec}\n`, { mode: 0o600, flag: 'wx' });
  return { keys: parseVaultKeys(spec), created: true, file };
}

/** One stored blob to prove the ring on: what it is (for the message), the blob and its associated data. */
export interface VaultSample {
  what: string;
  blob: string;
  associatedData: string;
}

/**
 * Why this key ring cannot read what is stored, or null when it can (the start-up canary). `blobsByKeyId` counts the
 * stored blobs per key id they name; `samples` are blobs to decrypt, at least one per key id in use. Two ways a ring
 * fails: a key id the data names is missing (a new OFCONNECT_VAULT_KEYS, or the local key file replaced), or an id
 * is there with other key material (the same id generated again), which only a decryption reveals.
 */
export function keyRingProblem(vault: Vault, blobsByKeyId: ReadonlyMap<string, number>, samples: readonly VaultSample[]): string | null {
  const configured = vault.keyIds.join(', ');
  const missing = [...blobsByKeyId.keys()].filter((id) => !vault.keyIds.includes(id));
  if (missing.length) {
    const written = missing.map((id) => `${id} (${blobsByKeyId.get(id)} stored secret${blobsByKeyId.get(id) === 1 ? '' : 's'})`).join(', ');
    return (
      `the vault key ring cannot decrypt stored data: it was written with key id ${written}, and the configured ` +
      `key ids are ${configured}. Add the missing key(s) to OFCONNECT_VAULT_KEYS ("newId:base64,${missing[0]}:base64": ` +
      'the first key encrypts new data, every listed key decrypts), then `ofconnect vault rotate` moves the data to the first key'
    );
  }
  for (const sample of samples) {
    try {
      vault.decrypt(sample.blob, sample.associatedData);
    } catch {
      const id = vault.keyIdOf(sample.blob);
      return (
        `the vault key ring cannot decrypt stored data: ${sample.what} was written with key id ${id}, and the key ` +
        `configured under id ${id} does not decrypt it (the same id now holds other key material; configured key ids: ` +
        `${configured}). Put the original key back under id ${id} in OFCONNECT_VAULT_KEYS`
      );
    }
  }
  return null;
}
