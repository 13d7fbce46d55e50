// The dashboard's one way to call the service: same-origin fetch with the session cookie, the CSRF token on every
// unsafe request, and refusals turned into ApiFailure (the service's error shape: code, message, details.field).

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let sessionEnded: () => void = () => {};

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the service says the session is no longer valid (expired, key revoked): the app shows sign-in. */
export function onSessionEnded(handler: () => void): void {
  sessionEnded = handler;
}

const SAFE = new Set(['GET', 'HEAD']);

interface CallOptions {
  body?: unknown;
  /** Sign-in only: the admin key, sent in the apikey header (it is not kept anywhere in the page). */
  apiKey?: string;
}

export async function api<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (!SAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (options.apiKey !== undefined) headers.apikey = options.apiKey;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiFailure(0, 'NETWORK', 'The service could not be reached. Check that it is running, then try again.', null);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (response.ok) return parsed as T;
  const error = (parsed ?? {}) as { code?: string; type?: string; message?: string; details?: { field?: string } };
  const failure = new ApiFailure(
    response.status,
    error.code ?? error.type ?? `HTTP_${response.status}`,
    error.message ?? `The service answered ${response.status}`,
    error.details?.field ?? null,
  );
  if (response.status === 401 && failure.field === 'session') sessionEnded();
  throw failure;
}

/** Whether a failure means the route does not exist on this service (an optional API: request log, audit log). */
export const isMissingRoute = (error: unknown) => error instanceof ApiFailure && error.code === 'ROUTE_NOT_FOUND';

export interface Page<T> {
  list: T[];
  hasMore: boolean;
}

/**
 * Every item of an offset-paged list, up to `cap` (the list API has no total): what counts and searches read.
 * `truncated` says the cap was reached.
 */
export async function fetchAllPages<T>(path: string, query: Record<string, string>, cap = 2000): Promise<{ list: T[]; truncated: boolean }> {
  const list: T[] = [];
  for (let offset = 0; offset < cap; offset += 100) {
    const params = new URLSearchParams({ ...query, limit: '100', offset: String(offset) });
    const page = await api<Page<T>>('GET', `${path}?${params}`);
    list.push(...page.list);
    if (!page.hasMore) return { list, truncated: false };
  }
  return { list, truncated: true };
}
