// Group commit for finished attempts: deliveries finishing at about the same time are written in one statement.
// A busy worker would otherwise spend more time on one small write per delivery than on the deliveries themselves,
// and on PGlite (one session) those writes queue behind each other.
import type { ServiceContext } from '../platform/context.ts';
import type { Clock } from '../platform/clock.ts';
import { completeAttempts, type Completion } from './store.ts';

export interface CompletionWriter {
  /** Resolves once written: true if the worker still held the delivery's lease. */
  write(completion: Completion): Promise<boolean>;
}

interface Queued {
  completion: Completion;
  resolve(held: boolean): void;
  reject(error: unknown): void;
}

export function createCompletionWriter(ctx: ServiceContext, clock: Clock): CompletionWriter {
  let queue: Queued[] = [];
  let writing = false;

  async function flush(): Promise<void> {
    writing = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        const held = await completeAttempts(ctx.database.db, batch.map((q) => q.completion), clock.now());
        for (const q of batch) q.resolve(held.has(q.completion.lease.id));
      } catch (error) {
        for (const q of batch) q.reject(error);
      }
    }
    writing = false;
  }

  return {
    write(completion) {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ completion, resolve, reject });
        // The first completion waits one turn of the event loop for others finishing alongside it; while a
        // write is running, the next batch gathers behind it.
        if (!writing && queue.length === 1) setImmediate(() => void flush());
      });
    },
  };
}
