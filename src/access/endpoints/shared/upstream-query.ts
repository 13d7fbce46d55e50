// Building upstream query strings from the SDK's validated query (docs/onlyfans-web-api.md §8 for the paging
// parameters, §9 for each endpoint's).
type QueryValue = string | number | boolean;

/** The value if the caller gave one; '' and null count as not given (upstream reads `?query=` as a filter). */
export function given<T extends QueryValue>(value: T | null | undefined): T | undefined {
  return value === null || value === '' ? undefined : value;
}

/** limit/offset as given. */
export function offsetPage(query: { limit?: number; offset?: number }) {
  return { limit: given(query.limit), offset: given(query.offset) };
}

const DEEP_FILTER = /^filter\[[A-Za-z_]+\]$/;

/**
 * Deep-object filters as received (filter[online]=1 …): they are not in the query schema and pass through to
 * upstream; the SDK's broken "filter=[object Object]" is dropped.
 */
export function deepFilters(query: object): Record<string, string> {
  const filters: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) if (DEEP_FILTER.test(key) && typeof value === 'string') filters[key] = value;
  return filters;
}

/** A boolean query flag as upstream's 1/0. */
export function flag(value: boolean | string | undefined): 0 | 1 | undefined {
  return value === true || value === 'true' || value === '1' ? 1 : value === undefined ? undefined : 0;
}
