// The raw proxy: `<method> /v2/access/proxy/<path after /api2/v2>?<query>` becomes the same call upstream, signed for
// the connection. The path and query are taken from the URL exactly as received (not decoded and re-encoded),
// because upstream verifies the sign over the path + query it receives; the body goes through as bytes with its
// content type. Upstream's status and body come back; of its headers only content description (type, caching)
// does: hop-by-hop headers, cookies and anything identifying upstream (server, cf-*, x-of-rev …) are dropped.
import { ApiError } from '../platform/errors.ts';
import type { UpstreamReply } from '../upstream/client.ts';
import type { UsableConnection } from './access-pipeline.ts';
import type { UpstreamSender } from './send-upstream.ts';

export const PROXY_PREFIX = '/v2/access/proxy';

/** Upstream reply headers the caller may see; everything else stays on our side. */
const FORWARDED_REPLY_HEADERS = ['content-type', 'content-language', 'cache-control', 'etag', 'last-modified', 'expires'];

export interface ProxyCall {
  method: string;
  /** The request URL as received, e.g. /v2/access/proxy/users/me?x=1 */
  rawUrl: string;
  body?: Uint8Array;
  contentType?: string;
}

export interface ProxiedReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function forwardToUpstream(sender: UpstreamSender, connection: UsableConnection, call: ProxyCall): Promise<ProxiedReply> {
  const { path, query } = splitProxyUrl(call.rawUrl);
  const hasBody = call.body !== undefined && call.body.length > 0;
  const reply = await sender.sendRaw(connection, {
    method: call.method,
    path,
    query,
    ...(hasBody ? { body: call.body, contentType: call.contentType ?? 'application/json' } : {}),
  });
  return { status: reply.status, headers: forwardedHeadersOf(reply), body: reply.text };
}

/** `/v2/access/proxy/users/me?a=1` → path `/users/me`, query `a=1` (both as sent). */
export function splitProxyUrl(rawUrl: string): { path: string; query: string } {
  const queryAt = rawUrl.indexOf('?');
  const pathPart = (queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt)).slice(PROXY_PREFIX.length);
  const query = queryAt < 0 ? '' : rawUrl.slice(queryAt + 1);
  if (pathPart.length <= 1) {
    throw new ApiError('BAD_REQUEST', 'Give the OnlyFans path after /v2/access/proxy, e.g. /v2/access/proxy/users/me', { details: { field: 'path' } });
  }
  // The path is appended to /api2/v2 on the upstream origin: dot segments could climb out of the API.
  if (/(^|\/)(\.|%2e){1,2}(\/|$)/i.test(pathPart) || pathPart.includes('\\')) {
    throw new ApiError('BAD_REQUEST', 'The proxied path may not contain . or .. segments', { details: { field: 'path' } });
  }
  return { path: pathPart, query };
}

function forwardedHeadersOf(reply: UpstreamReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REPLY_HEADERS) {
    const value = reply.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}
