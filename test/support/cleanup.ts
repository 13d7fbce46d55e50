// Cleanup that runs every step even when one fails: an afterAll that awaits its closes one by one stops at the first
// error and leaves the rest (a browser, a child process, a database) behind.
type Step = (() => unknown) | null | undefined | false;

/** Runs each step in order, all of them; then throws the first failure (the others ride along as its cause list). */
export async function releaseAll(...steps: Step[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    if (!step) continue;
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} cleanup steps failed`);
}
