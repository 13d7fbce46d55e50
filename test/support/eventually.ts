// Waiting on a condition instead of sleeping: the one polling helper of the suite. The condition may be sync or
// async, and may return the value the test wants next (anything but false/undefined/null ends the wait).
/**
 * How long to wait on a background worker's progress (webhook delivery, a rules fetch, a monitor check, NOTIFY): on
 * a loaded 2-core machine running the suite in two forks a worker can be descheduled for seconds, so a wait states
 * this (or its own figure) rather than relying on a default.
 */
export const WORKER_PROGRESS_TIMEOUT_MS = 20_000;

export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Said in the error when the time runs out. */
  what?: string;
}

export async function eventually<T>(
  condition: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<Exclude<T, false | undefined | null>> {
  const { timeoutMs = 10_000, intervalMs = 10, what = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== false && value !== undefined && value !== null) return value as Exclude<T, false | undefined | null>;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
