// One Access call as the request log keeps it, and the path it is logged under. The entry is filled on the request
// path with what is already at hand (numbers and strings, no formatting); the path is cut down and the time
// formatted when the batch is written, off the request's path.
import type { Environment } from '../../platform/environment.ts';

export interface RequestLogEntry {
  orgId: string;
  environment: Environment;
  connectionId: string;
  /** When the request arrived, epoch milliseconds. */
  arrivedAtMs: number;
  method: string;
  /** The URL as received (path and query); loggedPathOf makes the stored path from it. */
  url: string;
  status: number;
  upstreamStatus: number | null;
  durationMs: number;
  retries: number;
  requestId: string;
  apiKeyId: string;
}

/** Longest path stored: a query can be as long as the URL limit, and the log is read, not replayed. */
export const MAX_LOGGED_PATH_LENGTH = 2048;

/**
 * The path as logged: query keys kept, values dropped (`/v2/access/users/search?query=&limit=`), because a value may be
 * a fan's name, a message or a search term. `keepQueryValues` (OFCONNECT_REQUEST_LOG_KEEP_QUERY_VALUES) keeps them.
 */
export function loggedPathOf(url: string, keepQueryValues: boolean): string {
  const queryAt = url.indexOf('?');
  const logged = queryAt < 0 || keepQueryValues ? url : `${url.slice(0, queryAt)}${queryKeysOf(url.slice(queryAt + 1))}`;
  return storable(logged.length > MAX_LOGGED_PATH_LENGTH ? logged.slice(0, MAX_LOGGED_PATH_LENGTH) : logged);
}

const UNSTORABLE = /[\0\ud800-\udfff]/;
const NUL_OR_LONE_SURROGATE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The path with a NUL or a lone surrogate (half of a UTF-16 pair, as a cut at MAX_LOGGED_PATH_LENGTH can leave) made
 * U+FFFD: neither is text PostgreSQL stores or reads back as jsonb, and one such entry would make the connection's whole
 * log unreadable. HTTP's parser lets neither through today; the log must not depend on it.
 */
function storable(path: string): string {
  return UNSTORABLE.test(path) ? path.replace(NUL_OR_LONE_SURROGATE, '\ufffd') : path;
}

function queryKeysOf(query: string): string {
  const keys = query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equalsAt = pair.indexOf('=');
      return `${equalsAt < 0 ? pair : pair.slice(0, equalsAt)}=`;
    });
  return keys.length === 0 ? '' : `?${keys.join('&')}`;
}
