// Fetching media files from the upstream's CDN the way the account's browser would: its session cookie and user
// agent, through the connection's own proxy. Only hosts of the upstream's own domain are fetched (media URLs come
// from upstream replies, but a URL is never trusted to point anywhere else), and the body is handed on as a stream.
import type { Readable } from 'node:stream';
import { request } from 'undici';
import { ApiError } from '../platform/errors.ts';
import { createUpstreamDispatchers, type UpstreamDispatchers } from '../upstream/http-pool.ts';
import type { UpstreamSession } from '../upstream/session.ts';

export interface MediaReply {
  status: number;
  headers: Record<string, string | undefined>;
  body: Readable;
}

export interface MediaFetchOptions {
  /** The upstream's base URL (https://onlyfans.com, or the simulator): its domain is the only one fetched from. */
  upstreamBaseUrl: string;
  proxyUrl: string | null;
  range?: string;
  signal?: AbortSignal;
}

export interface MediaFetcher {
  fetch(session: UpstreamSession, url: string, options: MediaFetchOptions): Promise<MediaReply>;
  close(): Promise<void>;
}

/** The upstream's host and its subdomains (cdn2.onlyfans.com for onlyfans.com); the simulator serves its own. */
export function isUpstreamMediaHost(upstreamBaseUrl: string, mediaUrl: string): boolean {
  let media: URL;
  try {
    media = new URL(mediaUrl);
  } catch {
    return false;
  }
  if (media.protocol !== 'https:' && media.protocol !== 'http:') return false;
  const upstream = new URL(upstreamBaseUrl);
  const base = upstream.hostname.replace(/^www\./, '');
  return media.hostname === upstream.hostname || media.hostname === base || media.hostname.endsWith(`.${base}`);
}

function headerValues(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

export function createMediaFetcher(options: { mayProxyThroughPrivateAddresses: boolean; timeoutMs?: number }): MediaFetcher {
  let dispatchers: UpstreamDispatchers | null = null;
  const dispatchersNow = () =>
    (dispatchers ??= createUpstreamDispatchers({
      headersTimeoutMs: options.timeoutMs ?? 30_000,
      bodyTimeoutMs: options.timeoutMs ?? 30_000,
      mayProxyThroughPrivateAddresses: options.mayProxyThroughPrivateAddresses,
    }));
  return {
    async fetch(session, url, fetchOptions) {
      if (!isUpstreamMediaHost(fetchOptions.upstreamBaseUrl, url)) {
        throw new ApiError('UPSTREAM_ERROR', 'The media URL is not on the upstream\'s domain', { details: { reason: 'foreign_media_host' } });
      }
      const headers: Record<string, string> = { cookie: session.cookie, 'user-agent': session.userAgent, accept: '*/*' };
      if (fetchOptions.range) headers.range = fetchOptions.range;
      const reply = await request(url, { method: 'GET', headers, dispatcher: dispatchersNow().dispatcherFor(fetchOptions.proxyUrl), signal: fetchOptions.signal });
      return { status: reply.statusCode, headers: headerValues(reply.headers), body: reply.body };
    },
    async close() {
      await dispatchers?.close();
    },
  };
}
