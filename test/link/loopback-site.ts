// A tiny site on loopback for Link tests: the integrator's redirect target (records every query it receives) and,
// for embed tests, pages served from an origin of our choosing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackSite {
  /** http://<host>:<port> as the browser will see it. */
  origin: string;
  /** Queries received on /callback, in order. */
  callbacks: Array<Record<string, string>>;
  /** Serves `body` as text/html at `path`. */
  page(path: string, body: string): void;
  close(): Promise<void>;
}

export async function startLoopbackSite(hostname: 'localhost' | '127.0.0.1' = '127.0.0.1'): Promise<LoopbackSite> {
  const callbacks: Array<Record<string, string>> = [];
  const pages = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://loopback');
    if (url.pathname === '/callback') {
      const query = Object.fromEntries(url.searchParams);
      callbacks.push(query);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>callback</title><h1 id="status">${escape(query.status ?? '')}</h1>`);
      return;
    }
    const page = pages.get(url.pathname);
    if (page) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://${hostname}:${port}`,
    callbacks,
    page: (path, body) => pages.set(path, body),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
