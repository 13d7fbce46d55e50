// Recognising database errors across drivers (node-postgres and PGlite both carry SQLSTATE in `code`; drizzle
// wraps them in an error whose `cause` is the driver's).
interface PgLikeError {
  code?: string;
  constraint?: string;
  cause?: unknown;
}

function sqlState(error: unknown): PgLikeError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const candidate = current as PgLikeError;
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

/** True for a unique-constraint violation (SQLSTATE 23505), optionally of one named index. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pg = sqlState(error);
  if (pg?.code !== '23505') return false;
  if (!constraint || !pg.constraint) return true;
  return pg.constraint === constraint;
}
