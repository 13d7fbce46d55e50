// Endpoint secrets and Standard Webhooks signatures. The same values go out under webhook-* and svix-* names, so
// both Standard Webhooks verifiers and OFAuth's SDK (a Svix verifier) accept our deliveries.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const SECRET_PREFIX = 'whsec_';

/** whsec_ + base64 of 24 random bytes, the format Svix and Standard Webhooks libraries expect. */
export function generateEndpointSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`;
}

const signers = new Map<string, Webhook>();

function signerFor(secret: string): Webhook {
  let signer = signers.get(secret);
  if (!signer) {
    signer = new Webhook(secret);
    if (signers.size > 1000) signers.clear();
    signers.set(secret, signer);
  }
  return signer;
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
  const signature = secrets.map((secret) => signerFor(secret).sign(messageId, sentAt, body)).join(' ');
  const timestamp = String(Math.floor(sentAt.getTime() / 1000));
  return {
    'webhook-id': messageId,
    'webhook-timestamp': timestamp,
    'webhook-signature': signature,
    'svix-id': messageId,
    'svix-timestamp': timestamp,
    'svix-signature': signature,
  };
}
