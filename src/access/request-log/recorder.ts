// The request log's writer on an API node: entries are buffered in memory and written in batches, when a batch is
// full or every second, and what is left when the node shuts down. A write stores one row per connection holding all
// its entries (store.ts): a row and its index entries per call cost more than a tenth of the call. Recording never
// waits and never fails a request: a full buffer (the database slow or down) drops its oldest entry and counts it,
// and a batch the database refuses is counted as dropped too rather than retried into a buffer that is already behind.
import { Counter, type Registry } from 'prom-client';
import type { ServiceContext } from '../../platform/context.ts';
import { oncePerRegistry } from '../../platform/metrics.ts';
import { BatchDocumentBuilder } from './batch-document.ts';
import type { RequestLogEntry } from './entry.ts';
import { insertRequestLogBatches, MAX_BATCH_ENTRIES, type RequestLogBatch } from './store.ts';

export const REQUEST_LOG_FLUSH_MS = 1_000;
/**
 * Entries taken from the buffer per write: one row per connection among them, up to ROWS_PER_INSERT rows per
 * statement. Near MAX_BATCH_ENTRIES because on the embedded database a statement costs its thread a commit and a
 * round trip with the service's thread (~0.2 ms, more when the thread has gone cold between writes), besides its
 * entries' ~0.6 µs each.
 */
export const REQUEST_LOG_BATCH_SIZE = 1_000;

export interface RequestLogRecorder {
  record(entry: RequestLogEntry): void;
  /** Writes everything buffered now (tests and shutdown); resolves once it is in the database or counted as dropped. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

/** The recorder of a service that keeps no request log (OFCONNECT_REQUEST_LOG_RETENTION_DAYS=0). */
export const NO_REQUEST_LOG: RequestLogRecorder = {
  record() {},
  flush: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

export interface RequestLogRecorderOptions {
  /** Entries held before the oldest is dropped (default config.requestLogBufferSize). */
  capacity?: number;
  /** Entries per write, at most MAX_BATCH_ENTRIES (default REQUEST_LOG_BATCH_SIZE). */
  batchSize?: number;
  flushIntervalMs?: number;
}

export function createRequestLogRecorder(ctx: ServiceContext, options: RequestLogRecorderOptions = {}): RequestLogRecorder {
  const capacity = options.capacity ?? ctx.config.requestLogBufferSize;
  const batchSize = options.batchSize ?? REQUEST_LOG_BATCH_SIZE;
  if (batchSize > MAX_BATCH_ENTRIES) throw new Error(`a request log batch holds at most ${MAX_BATCH_ENTRIES} entries`);
  const keepQueryValues = ctx.config.requestLogKeepQueryValues;
  const dropped = droppedCounterOf(ctx.metrics.registry);
  const droppedBufferFull = dropped.labels({ reason: 'buffer_full' });
  const droppedWriteFailed = dropped.labels({ reason: 'write_failed' });

  let buffer: RequestLogEntry[] = [];
  let writing: Promise<void> | null = null;
  let closed = false;
  const timer = setInterval(() => {
    if (buffer.length > 0) void write('everything');
  }, options.flushIntervalMs ?? REQUEST_LOG_FLUSH_MS);
  timer.unref();

  /** Writes the entries as one batch per connection; batches the database refuses are counted as dropped. */
  async function writeBatches(entries: RequestLogEntry[]): Promise<void> {
    await insertRequestLogBatches(ctx.database.db, requestLogBatchesOf(entries, keepQueryValues), (refused, error) => {
      const count = refused.reduce((sum, batch) => sum + batch.entryCount, 0);
      droppedWriteFailed.inc(count);
      ctx.logger.warn({ err: error, entries: count }, 'writing request log entries failed; they are dropped');
    });
  }

  /**
   * Writes batches in the order they were taken (one writer at a time): full ones while the buffer holds a full batch,
   * and with 'everything' the rest too. A write started because the buffer filled leaves what arrived meanwhile for the
   * next full batch or the timer: writing that remainder at once, as it first did, kept a busy node writing rows of a
   * few dozen entries back to back, and at ~0.2 ms of the database thread's time per statement those cost more than
   * the entries (measured: ~5 µs per entry of a busy proxy's log against ~1 µs in batches of a thousand).
   */
  async function drain(what: 'full batches' | 'everything'): Promise<void> {
    while (buffer.length >= batchSize || (what === 'everything' && buffer.length > 0)) {
      const taken = buffer.length <= batchSize ? buffer : buffer.slice(0, batchSize);
      buffer = taken === buffer ? [] : buffer.slice(batchSize);
      await writeBatches(taken);
    }
  }

  /** Starts a drain unless one is running (which then writes what it writes); resolves when the running one ends. */
  function write(what: 'full batches' | 'everything'): Promise<void> {
    writing ??= drain(what).finally(() => {
      writing = null;
    });
    return writing;
  }

  /** Everything buffered now: after a drain in progress, which may stop short of the latest entries, one more. */
  async function writeEverything(): Promise<void> {
    if (writing) await writing;
    await write('everything');
  }

  return {
    record(entry) {
      if (buffer.length >= capacity) {
        buffer.shift();
        droppedBufferFull.inc();
      }
      buffer.push(entry);
      if (buffer.length >= batchSize && writing === null && !closed) void write('full batches');
    },
    flush: writeEverything,
    async close() {
      closed = true;
      clearInterval(timer);
      await writeEverything();
    },
  };
}

/** One counter per registry: a second recorder on the same service (tests) shares it. */
const droppedCounterOf = oncePerRegistry(
  (registry: Registry): Counter<'reason'> =>
    new Counter({
      name: 'ofconnect_request_log_dropped_total',
      help: 'Request log entries not written: buffer_full (the oldest dropped while writes fell behind) or write_failed (the database refused a batch)',
      labelNames: ['reason'],
      registers: [registry],
    }),
);

/** The entries of one flush as one batch per connection (in the order each connection's first entry came). */
export function requestLogBatchesOf(entries: readonly RequestLogEntry[], keepQueryValues: boolean): RequestLogBatch[] {
  const byConnection = new Map<string, { first: RequestLogEntry; document: BatchDocumentBuilder }>();
  for (const entry of entries) {
    const batch = byConnection.get(entry.connectionId);
    if (batch) batch.document.add(entry);
    else byConnection.set(entry.connectionId, { first: entry, document: new BatchDocumentBuilder(entry, keepQueryValues) });
  }
  return [...byConnection.values()].map(({ first, document }) => ({
    orgId: first.orgId,
    environment: first.environment,
    connectionId: first.connectionId,
    firstAtMs: document.firstAtMs,
    lastAtMs: document.lastAtMs,
    entryCount: document.entryCount,
    document: document.serialize(),
  }));
}
