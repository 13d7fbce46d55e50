// Waiting on a condition instead of sleeping: the one polling helper of the suite. The condition may be sync or
// async, and may return the value the test wants next (anything but false/undefined/null ends the wait).
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
