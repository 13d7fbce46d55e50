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

interface QueryError {
  message: string;
  stack?: string;
  query: string;
  params: unknown[];
  cause?: unknown;
}

function isQueryError(error: unknown): error is QueryError {
  const candidate = error as Partial<QueryError> | null;
  return !!candidate && typeof candidate === 'object' && typeof candidate.query === 'string' && Array.isArray(candidate.params);
}

/**
 * A failed statement as it may be logged: drizzle's error carries the statement and every parameter value (a
 * cookie, a key hash, a client's text), and its message and stack repeat them. This keeps the statement, the
 * number of parameters, the driver's SQLSTATE and its message with quoted values blanked; the driver's `detail`,
 * which quotes values, is left out.
 */
export function withoutQueryParameters(error: unknown): unknown {
  if (!isQueryError(error)) return error;
  const message = `Failed query: ${error.query}`;
  const pg = sqlState(error.cause);
  const logged = new Error(message);
  logged.name = 'DrizzleQueryError';
  logged.stack = error.stack?.replace(error.message, message);
  return Object.assign(logged, {
    query: error.query,
    parameterCount: error.params.length,
    // Drivers quote the offending value in some messages (invalid input syntax for type integer: "abc").
    ...(error.cause instanceof Error ? { driverMessage: error.cause.message.replace(/"[^"]*"/g, '"…"') } : {}),
    ...(pg ? { sqlState: pg.code, constraint: pg.constraint } : {}),
  });
}
