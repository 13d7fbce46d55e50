// For tests that call use cases directly: the ApiError a call was refused with (failing if it was not refused).
import { ApiError } from '../../src/platform/errors.ts';

export async function refusalOf(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}
