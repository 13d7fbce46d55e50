// The soak's webhook receiver: a loopback HTTP server that verifies every delivery's Standard Webhooks signature with
// the `standardwebhooks` package (what an integrator would run) and counts distinct event ids, so the report can
// compare what the API says it recorded with what arrived: lost (never arrived), duplicates (arrived again, which
// at-least-once delivery allows after a worker dies between sending and recording), and forged or garbled ones.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface WebhookReceiver {
  url: string;
  /** Verified deliveries by webhook-id (the msg_ id): how many times each arrived. */
  receivedById: ReadonlyMap<string, number>;
  /** Deliveries whose signature did not verify (wrong secret, tampered body, stale timestamp). */
  invalidSignatures(): number;
  /** Verified deliveries in total, duplicates included. */
  deliveries(): number;
  /** Deliveries received and not yet answered (each is held for a while, see startWebhookReceiver). */
  inFlight(): number;
  /** The secret to verify with; set once the endpoint exists (its creation answers the secret). */
  useSecret(secret: string): void;
  close(): Promise<void>;
}

/** Each delivery is answered after a random delay of up to `maxReplyDelayMs`, as a real receiver that does some work
 *  before answering: it keeps deliveries in flight long enough that a worker killed at a random moment is often
 *  killed in the middle of one (the case where an event could be lost or sent twice). */
export async function startWebhookReceiver(options: { maxReplyDelayMs: number }): Promise<WebhookReceiver> {
  const receivedById = new Map<string, number>();
  let verifier: Webhook | null = null;
  let invalid = 0;
  let total = 0;
  let held = 0;
  const server = http.createServer((req, res) => {
    held++;
    res.on('close', () => held--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      try {
        if (!verifier) throw new Error('no secret yet');
        verifier.verify(body, headers);
      } catch {
        invalid++;
        // A 400 makes the worker retry, so a transient mismatch cannot hide as a success.
        res.writeHead(400, { 'content-type': 'text/plain' }).end('bad signature');
        return;
      }
      // Counted on arrival, as a handler acts on it: if the sender dies before the answer, the redelivery that
      // follows is a duplicate.
      total++;
      receivedById.set(headers['webhook-id'], (receivedById.get(headers['webhook-id']) ?? 0) + 1);
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }, Math.random() * options.maxReplyDelayMs);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/soak-hook`,
    receivedById,
    invalidSignatures: () => invalid,
    deliveries: () => total,
    inFlight: () => held,
    useSecret: (secret) => {
      verifier = new Webhook(secret);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
