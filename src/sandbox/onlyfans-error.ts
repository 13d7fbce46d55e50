// OnlyFans' error envelope {"error":{"code","message","payload?"}} and the errors the simulator answers with
// (docs/onlyfans-web-api.md §5 and §11). Thrown where the rule lives; server.ts turns it into the reply.

export class OnlyFansError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly payload?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toBody(): { error: { code: number; message: string; payload?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.payload === undefined ? {} : { payload: this.payload }) } };
  }
}

/** Bad, missing or stale sign/time/app-token, or rules too old (the 2025 form: HTTP 400, code 401). */
export const pleaseRefreshThePage = () => new OnlyFansError(400, 401, 'Please refresh the page');

/** Unknown, expired or revoked session; wrong UA or x-bc (clients match on the message, trailing period included). */
export const accessDenied = () => new OnlyFansError(401, 401, 'Access denied.');

/** user-id header naming someone other than the auth_id cookie. */
export const wrongUser = () => new OnlyFansError(400, 301, 'Wrong user.');

export const tooManyRequests = (retryAfterSeconds: number) =>
  new OnlyFansError(429, 429, 'Too many requests', undefined, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });

export const userNotFound = () => new OnlyFansError(404, 0, 'User not found');

export const notFound = (what = 'Not found') => new OnlyFansError(404, 0, what);

export const badRequest = (message: string) => new OnlyFansError(400, 0, message);
