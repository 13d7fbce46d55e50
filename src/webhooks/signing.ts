// Endpoint secrets and Standard Webhooks signatures. The same values go out under webhook-* and svix-* names, so
// both Standard Webhooks verifiers and OFAuth's SDK (a Svix verifier) accept our deliveries.
// The signature is the scheme's HMAC-SHA256 computed with node:crypto rather than the `standardwebhooks` package's
// sign(): that one hashes in JavaScript (fast-sha256), 5–20 µs a delivery on the worker's hot path against ~2 µs. The
// bytes are the same: a test compares every signature with the package's, and the delivery tests verify each one
// with `standardwebhooks` and with `svix`.
import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** whsec_ + base64 of 24 random bytes, the format Svix and Standard Webhooks libraries expect. */
export function generateEndpointSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`;
}

const keys = new Map<string, Buffer>();

/** The HMAC key of a whsec_ secret: the base64 after the prefix, decoded. */
function keyOf(secret: string): Buffer {
  let key = keys.get(secret);
  // Stryker disable next-line ConditionalExpression: a cache; decoding again gives the same key.
  if (!key) {
    key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
    if (key.length === 0) throw new Error("a webhook secret can't be empty");
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: bounds the cache's memory; which keys it holds never changes a signature.
    if (keys.size > 1000) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/** v1,base64(HMAC-SHA256(key, "{id}.{unix seconds}.{body}")), as the Standard Webhooks specification defines it. */
function signatureOf(secret: string, messageId: string, timestamp: string, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${messageId}.${timestamp}.${body}`).digest('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'svix-id': string;
  'svix-timestamp': string;
  'svix-signature': string;
}

/** Signs one delivery with every active secret (two during a rotation), space-separated as the spec allows. */
export function signDelivery(messageId: string, sentAt: Date, body: string, secrets: readonly string[]): SignedHeaders {
  const timestamp = String(Math.floor(sentAt.getTime() / 1000));
  const signature = secrets.map((secret) => signatureOf(secret, messageId, timestamp, body)).join(' ');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': timestamp,
    'webhook-signature': signature,
    'svix-id': messageId,
    'svix-timestamp': timestamp,
    'svix-signature': signature,
  };
}
