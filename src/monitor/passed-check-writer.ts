// Most checks find the session alive, and each then writes one row. Writing them one statement each makes the
// database the bottleneck (PGlite runs one statement at a time), so passed checks are written in groups: the first
// one waiting starts a flush on the next turn of the event loop, and whatever finished meanwhile joins it — the
// group-commit pattern. Each check still learns whether its own lease held.
import type { Executor } from '../platform/db/database.ts';
import { recordChecksPassed, type PassedCheck } from '../connections/health-checks.ts';

const MAX_ROWS_PER_STATEMENT = 500;

interface Waiting extends PassedCheck {
  settle(kept: boolean): void;
  fail(error: unknown): void;
}

/** Returns a function that records one passed check (true: written; false: the lease was lost). */
export function createPassedCheckWriter(ex: Executor): (check: PassedCheck) => Promise<boolean> {
  let waiting: Waiting[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (waiting.length > 0) {
        const group = waiting.slice(0, MAX_ROWS_PER_STATEMENT);
        waiting = waiting.slice(group.length);
        try {
          const kept = await recordChecksPassed(ex, group);
          for (const check of group) check.settle(kept.has(check.claim.id));
        } catch (error) {
          for (const check of group) check.fail(error);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return (check) =>
    new Promise<boolean>((resolve, reject) => {
      waiting.push({ ...check, settle: resolve, fail: reject });
      if (!flushing && waiting.length === 1) setImmediate(() => void flush());
    });
}
