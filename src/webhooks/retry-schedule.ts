// When a failed delivery is tried again: Svix's schedule, as the design fixes it (docs/ofauth-wire-contract.md §8.2).
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delay before retry n (n = 1 … 8), counted from the failure of the attempt before it. */
export const RETRY_DELAYS_MS = [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR] as const;

/** The first attempt plus one per retry. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** An endpoint that has failed without a single success for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * HOUR;

/** Each attempt gets at most this long for connect, request and reply. */
export const ATTEMPT_TIMEOUT_MS = 10 * SECOND;

/** When attempt number `attemptsMade` has just failed: the time of the next one, or null when that was the last. */
export function nextAttemptAfterFailure(attemptsMade: number, failedAt: Date): Date | null {
  const delay = RETRY_DELAYS_MS[attemptsMade - 1];
  return delay === undefined ? null : new Date(failedAt.getTime() + delay);
}
