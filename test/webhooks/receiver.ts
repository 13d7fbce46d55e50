// A real webhook receiver on a loopback port for the webhook tests: it records every delivery, checks each one
// with both the standardwebhooks verifier and svix's (the verifier OFAuth's SDK follows), and answers as the
// test tells it to (a status code, or a promise the test settles later to hold the request open).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';

export interface ReceivedDelivery {
  webhookId: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  payload: any;
  receivedAt: number;
}

export type Answer = number | { status: number; body?: string };

export interface Receiver {
  url: string;
  received: ReceivedDelivery[];
  /** Decides each reply; defaults to 200. */
  answer: (delivery: ReceivedDelivery, index: number) => Answer | Promise<Answer>;
  waitFor(predicate: (received: ReceivedDelivery[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function header(headers: http.IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : (value ?? '');
}

/** True when both verifiers accept the delivery under this secret (each checks its own header names). */
export function verifiesWith(secret: string, delivery: ReceivedDelivery): boolean {
  const h = delivery.headers;
  try {
    new StandardWebhook(secret).verify(delivery.body, {
      'webhook-id': header(h, 'webhook-id'),
      'webhook-timestamp': header(h, 'webhook-timestamp'),
      'webhook-signature': header(h, 'webhook-signature'),
    });
    new SvixWebhook(secret).verify(delivery.body, {
      'svix-id': header(h, 'svix-id'),
      'svix-timestamp': header(h, 'svix-timestamp'),
      'svix-signature': header(h, 'svix-signature'),
    });
    return true;
  } catch {
    return false;
  }
}

export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedDelivery[] = [];
  const waiters = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    received,
    answer: () => 200,
    waitFor(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver condition not met in ${timeoutMs} ms; received ${received.length}: ${received.map((r) => r.payload?.type).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const delivery: ReceivedDelivery = {
        webhookId: header(req.headers, 'webhook-id'),
        path: req.url ?? '',
        headers: req.headers,
        body,
        payload: JSON.parse(body),
        receivedAt: Date.now(),
      };
      const index = received.push(delivery) - 1;
      for (const w of [...waiters]) w();
      const answer = await receiver.answer(delivery, index);
      const { status, body: replyBody } = typeof answer === 'number' ? { status: answer, body: 'ok' } : answer;
      if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end(replyBody ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
