// Dates in upstream queries: OnlyFans statistics take `YYYY-MM-DD HH:MM:SS` in UTC (docs/onlyfans-web-api.md §8);
// the SDK documents ISO 8601.

/** An ISO 8601 instant → upstream's form; a value that does not parse is passed on as given. */
export function upstreamDate(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return value;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
