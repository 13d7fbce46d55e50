// Most checks find the session alive, and each then writes one row. Writing them one statement each makes the
// database the bottleneck (PGlite runs one statement at a time, and commits each), so passed checks are written in
// groups: the first one waiting opens a short window, and whatever finishes meanwhile joins it — the group-commit
// pattern. A check waiting here no longer holds one of the worker's upstream slots (worker.ts), so the window costs
// no throughput; it turned groups of two or three rows (one statement, one commit each) into groups of dozens.
// Each check still learns whether its own lease held.
import type { Executor } from '../platform/db/database.ts';
import { recordChecksPassed, type PassedCheck } from '../connections/health-checks.ts';

const MAX_ROWS_PER_STATEMENT = 500;
/** How long the first passed check of a group waits for others: well inside any lease, short against a check. */
const GROUP_WINDOW_MS = 20;

interface Waiting extends PassedCheck {
  settle(kept: boolean): void;
  fail(error: unknown): void;
}

/** Returns a function that records one passed check (true: written; false: the lease was lost). */
export function createPassedCheckWriter(ex: Executor): (check: PassedCheck) => Promise<boolean> {
  let waiting: Waiting[] = [];
  let flushing = false;
  let window: NodeJS.Timeout | null = null;

  async function flush(): Promise<void> {
    window = null;
    flushing = true;
    try {
      while (waiting.length > 0) {
        const group = waiting.length > MAX_ROWS_PER_STATEMENT ? waiting.slice(0, MAX_ROWS_PER_STATEMENT) : waiting;
        waiting = waiting.length > MAX_ROWS_PER_STATEMENT ? waiting.slice(group.length) : [];
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
      // A flush in progress takes what arrives meanwhile in its next statement.
      if (!flushing && window === null) window = setTimeout(() => void flush(), GROUP_WINDOW_MS);
    });
}
