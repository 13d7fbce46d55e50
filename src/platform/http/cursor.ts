// Opaque page cursors: a few non-negative integers (a row's time and id, say), base64url-encoded so a client treats
// them as tokens rather than something to build. A cursor that does not decode is a 400 naming `cursor`.
import { ApiError } from '../errors.ts';

export function encodeCursor(parts: readonly number[]): string {
  return Buffer.from(parts.join('.'), 'utf8').toString('base64url');
}

/** The cursor's `count` integers; a 400 when it is not a cursor this service made with that many. */
export function decodeCursor(cursor: string, count: number): number[] {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  const numbers = parts.map((part) => (/^[0-9]{1,16}$/.test(part) ? Number(part) : Number.NaN));
  if (numbers.length !== count || numbers.some((n) => !Number.isSafeInteger(n))) {
    throw new ApiError('BAD_REQUEST', 'cursor is not one this list returned: pass nextCursor from the previous page as it was', {
      details: { field: 'cursor', reason: 'invalid_cursor' },
    });
  }
  return numbers;
}
