// Typed readers for upstream (OnlyFans web API) replies, which are untyped JSON: every read goes through these, and
// none throws, so a missing or malformed upstream field becomes a default rather than a 500.
export type UpstreamObject = Record<string, unknown>;

export function isUpstreamObject(value: unknown): value is UpstreamObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object, or {} for anything else (null, arrays, scalars). */
export function asObject(value: unknown): UpstreamObject {
  return isUpstreamObject(value) ? value : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function num(value: unknown, fallback = 0): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return fallback;
}

export function numOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = num(value, Number.NaN);
  return Number.isNaN(n) ? null : n;
}

export function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}

export function strOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function bool(value: unknown, fallback = false): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

/** One of a closed set of strings (the SDK's enums), else the fallback. */
export function oneOf<const T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.find((candidate) => candidate === value) ?? fallback;
}

/** A list id: upstream uses numbers for user-made lists and names ("fans", "following") for the built-in ones. */
export function numberOrString(value: unknown): string | number {
  return typeof value === 'number' ? value : str(value);
}

/**
 * An upstream value the shaper passes on without reading it (nested arrays and objects the SDK declares, such as a
 * media's release forms): the type is the reply schema's claim, not checked here. These are the one place a shaper's
 * output is not checked by the compiler; the catalogue test checks every reply against its schema.
 */
export function passedOn<T>(value: unknown): T {
  return value as T;
}

/** As passedOn, for arrays: anything that is not an array becomes []. */
export function passedOnArray<T>(value: unknown): T[] {
  return Array.isArray(value) ? passedOn<T[]>(value) : [];
}

/**
 * A reply built over the upstream object: the fields the shaper sets (every required field of T, typed and checked)
 * over the object as upstream sent it, so fields the SDK does not declare, and optional ones the shaper leaves alone,
 * ride along unchanged (in upstream's key order, as before the shaper).
 */
export function overUpstream<T extends object>(upstream: UpstreamObject, declared: T): T {
  return { ...upstream, ...declared };
}
