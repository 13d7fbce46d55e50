// Our signatures are the Standard Webhooks scheme computed with node:crypto; the reference package must agree on
// every byte, for any id, time, body (non-ASCII included) and secret.
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { generateEndpointSecret, signDelivery } from '../../src/webhooks/signing.ts';

describe('webhook signatures', () => {
  it('equal the standardwebhooks package\'s, one per active secret', () => {
    for (let i = 0; i < 50; i++) {
      const secrets = [generateEndpointSecret(), generateEndpointSecret()];
      const sentAt = new Date(1_700_000_000_000 + i * 1_234_567);
      const body = JSON.stringify({ type: 'connection.updated', data: { n: i, name: `Zoë ✨ ${'x'.repeat(i * 37)}` } });
      const headers = signDelivery(`msg_${i}`, sentAt, body, secrets);
      expect(headers['webhook-signature']).toBe(secrets.map((s) => new Webhook(s).sign(`msg_${i}`, sentAt, body)).join(' '));
      expect(headers['webhook-timestamp']).toBe(String(Math.floor(sentAt.getTime() / 1000)));
      expect(headers['svix-signature']).toBe(headers['webhook-signature']);
    }
  });
});
