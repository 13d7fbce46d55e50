// Query parsing shared by list endpoints: limit/offset with OnlyFans' caps.
import type { FastifyRequest } from 'fastify';

export type Query = Record<string, string | string[] | undefined>;

export function queryOf(req: FastifyRequest): Query {
  return (req.query ?? {}) as Query;
}

export function queryString(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

export function queryList(query: Query, name: string): string[] {
  const value = query[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function queryInt(query: Query, name: string, fallback: number): number {
  const value = Number(queryString(query, name));
  return Number.isFinite(value) && value >= 0 ? Math.floor(value) : fallback;
}

/** limit (clamped to max, default fallback) and offset. */
export function pageOf(query: Query, fallbackLimit: number, maxLimit = 100): { limit: number; offset: number } {
  const limit = Math.min(Math.max(1, queryInt(query, 'limit', fallbackLimit)), maxLimit);
  return { limit, offset: queryInt(query, 'offset', 0) };
}

export function offsetPage<T>(rows: T[], limit: number, offset: number): { list: T[]; hasMore: boolean } {
  const list = rows.slice(offset, offset + limit);
  return { list, hasMore: offset + list.length < rows.length };
}
