// Giving back the memory start-up used. Loading the code, opening the database and the first rounds of the workers
// allocate fast enough that V8 grows the main thread's young generation to its 32 MB maximum, and an idle service
// allocates too little to trigger the collection that would shrink it again: it stays, with the rest of start-up's
// garbage, for as long as the service idles. One full collection after start-up releases it (measured: idle RSS on
// the embedded database 210–225 → 170–176 MB); under load V8 grows the heap again as it needs.
import type { Logger } from './logger.ts';

/** After this long the first sweeps and the simulator's first writes are done, and what they allocated is garbage. */
export const STARTUP_GARBAGE_DELAY_MS = 5_000;

/**
 * One full, memory-reducing collection of this thread's heap. Node has no API for it without --expose-gc; the
 * in-process inspector's HeapProfiler.collectGarbage is one (no port is opened; the session ends at once).
 */
export async function collectStartupGarbage(): Promise<void> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.collectGarbage');
  } finally {
    session.disconnect();
  }
}

/** Collects start-up's garbage once, a little after ready; never keeps the process alive for it. */
export function scheduleStartupGarbageCollection(logger: Logger): void {
  const timer = setTimeout(() => {
    collectStartupGarbage().catch((error: unknown) => logger.debug({ err: error }, 'collecting start-up garbage failed'));
  }, STARTUP_GARBAGE_DELAY_MS);
  timer.unref();
}
