// Measuring memory a test holds on to (uploads must never hold a whole file): a full collection on demand, so the
// figure is memory still referenced, not garbage the collector has yet to visit.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Bytes the process holds on to after a full collection: live heap objects plus the buffers they reference. */
export function heldBytes(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
