// The media proxy's URLs: /media/{itemId}?expires=…&sig=…, an HMAC-SHA256 over the org, the item and the expiry
// with the org's own key (stored encrypted, made on first use). An <img> needs no API key; a URL cannot be moved to
// another item, and one org's key never signs for another org's items. Expiry is rounded to whole TTL windows so
// the same item has the same URL for a while (browsers and CDNs cache it).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServiceContext } from '../platform/context.ts';
import { findUrlKeyBlob, insertUrlKeyBlob } from './store.ts';

const associatedData = (orgId: string) => `vault-plus-url-key:${orgId}`;

export interface ProxyUrls {
  /** The signed URL of an item, valid for at least `ttlSeconds`. */
  urlFor(item: { id: string; orgId: string }, ttlSeconds: number): Promise<string>;
  /** Whether a presented signature is this org's for this item and has not expired. */
  isValid(item: { id: string; orgId: string }, expires: number, sig: string): Promise<boolean>;
}

export function createProxyUrls(ctx: ServiceContext): ProxyUrls {
  const keys = new Map<string, Promise<Buffer>>();

  function keyOf(orgId: string): Promise<Buffer> {
    let key = keys.get(orgId);
    if (!key) {
      key = (async () => {
        const existing = await findUrlKeyBlob(ctx.database.db, orgId);
        const blob = existing ?? (await insertUrlKeyBlob(ctx.database.db, orgId, ctx.vault.encrypt(randomBytes(32).toString('base64url'), associatedData(orgId)).blob));
        return Buffer.from(ctx.vault.decrypt(blob, associatedData(orgId)), 'base64url');
      })();
      key.catch(() => keys.delete(orgId));
      keys.set(orgId, key);
    }
    return key;
  }

  async function signatureOf(item: { id: string; orgId: string }, expires: number): Promise<string> {
    return createHmac('sha256', await keyOf(item.orgId)).update(`${item.orgId}.${item.id}.${expires}`).digest('base64url');
  }

  return {
    async urlFor(item, ttlSeconds) {
      const window = Math.max(60, ttlSeconds);
      const nowSeconds = Math.floor(ctx.clock.now().getTime() / 1000);
      const expires = (Math.floor(nowSeconds / window) + 2) * window;
      return `${ctx.publicOrigin()}/media/${item.id}?expires=${expires}&sig=${await signatureOf(item, expires)}`;
    },
    async isValid(item, expires, sig) {
      if (!Number.isSafeInteger(expires) || expires * 1000 < ctx.clock.now().getTime()) return false;
      const expected = Buffer.from(await signatureOf(item, expires));
      const given = Buffer.from(sig);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
