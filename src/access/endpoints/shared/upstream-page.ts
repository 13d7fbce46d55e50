// Upstream list replies → the SDK's pages (docs/onlyfans-web-api.md §8: offset/limit + hasMore, with nextOffset).
import { asArray, asObject, bool, type UpstreamObject } from './upstream-readers.ts';

export interface UpstreamPage {
  list: unknown[];
  hasMore: boolean;
  /** The whole envelope, for markers and counters beside the list. */
  raw: UpstreamObject;
}

/** `{list, hasMore}` from any upstream list reply: the envelope, or a bare array (lists without format=infinite). */
export function upstreamPage(body: unknown): UpstreamPage {
  if (Array.isArray(body)) return { list: body, hasMore: false, raw: {} };
  const raw = asObject(body);
  return { list: asArray(raw.list ?? raw.users ?? raw.items), hasMore: bool(raw.hasMore), raw };
}

/** An offset page of the SDK: `{list, hasMore, nextOffset?}`, each item through `shapeItem`. */
export function shapeOffsetPage<T>(shapeItem: (item: unknown) => T) {
  return (body: unknown): { list: T[]; hasMore: boolean; nextOffset?: number } => {
    const page = upstreamPage(body);
    const nextOffset = page.raw.nextOffset;
    return { list: page.list.map(shapeItem), hasMore: page.hasMore, ...(typeof nextOffset === 'number' ? { nextOffset } : {}) };
  };
}
