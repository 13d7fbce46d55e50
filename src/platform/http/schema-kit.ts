// The schema vocabulary every capability's TypeBox schemas share: timestamps, nullables, list and page shapes.
// Defined once so the OpenAPI document says the same thing the same way on every route.
import { Type, type TSchema } from 'typebox';

/** An ISO 8601 instant, as every timestamp on the wire is. */
export const Timestamp = Type.String({ format: 'date-time' });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const NullableTimestamp = Nullable(Timestamp);

/** `{list: [...]}`: a complete, unpaged list. */
export const ListOf = <T extends TSchema>(item: T) => Type.Object({ list: Type.Array(item) });

/** `{list: [...], hasMore}`: one page of an offset-paged list (OFAuth's list shape, docs/ofauth-wire-contract.md §9.2). */
export const PageOf = <T extends TSchema>(item: T) => Type.Object({ list: Type.Array(item), hasMore: Type.Boolean() });

/** `limit` / `offset` query fields of an offset-paged list. */
export const PageQueryFields = (maxLimit = 100, defaultLimit = 20) => ({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxLimit, default: defaultLimit })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
});

/**
 * A string that travels on as an HTTP header value or must stay on one line (a user agent, a cookie): no control
 * character at all, where other body strings may hold tabs and line breaks (src/platform/http/input-rules.ts).
 */
export const SingleLineString = (options: Parameters<typeof Type.String>[0] = {}) => Type.String({ ...options, 'x-text': 'line' });

/** A UTC calendar day, YYYY-MM-DD; format `date` refuses impossible days (2024-02-30, 2024-13-45), not just the shape. */
export const CalendarDay = (options: Parameters<typeof Type.String>[0] = {}) =>
  Type.String({ format: 'date', description: 'YYYY-MM-DD (UTC)', ...options });

/** `{list: [...], hasMore, nextCursor}`: one page of a cursor-paged list, newest first; nextCursor is null on the last. */
export const CursorPageOf = <T extends TSchema>(item: T) =>
  Type.Object({
    list: Type.Array(item),
    hasMore: Type.Boolean(),
    nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null when there is none' })),
  });

/** `limit` / `cursor` query fields of a cursor-paged list (the cursor is opaque: whatever nextCursor said). */
export const CursorQueryFields = (maxLimit = 100, defaultLimit = 50) => ({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxLimit, default: defaultLimit })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page' })),
});
