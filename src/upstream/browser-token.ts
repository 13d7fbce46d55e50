// The x-bc browser token (localStorage `bcTokenSha`) a fresh browser would mint: docs/onlyfans-web-api.md §3,
// as `datawhores/OF-Scraper` generate_xbc does it. A session keeps its x-bc for life.
import { createHash, randomInt } from 'node:crypto';

export function newBrowserToken(userAgent: string, now: number = Date.now()): string {
  const parts = [String(now), String(randomInt(0, 2 ** 40)), String(randomInt(0, 2 ** 40)), userAgent];
  const message = parts.map((part) => Buffer.from(part, 'utf8').toString('base64')).join('.');
  return createHash('sha1').update(message, 'utf8').digest('hex');
}

/** A current desktop Chrome UA, for anonymous calls made without a browser's own. */
export const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
