// The request log's writer on an API node: entries are buffered in memory and written in batches, when a batch is
// full or every second, and what is left when the node shuts down. Recording never waits and never fails a request:
// a full buffer (the database slow or down) drops its oldest entry and counts it, and a batch the database refuses is
// counted as dropped too rather than retried into a buffer that is already behind.
import { Counter, type Registry } from 'prom-client';
import type { ServiceContext } from '../../platform/context.ts';
import { loggedPathOf, type RequestLogEntry } from './entry.ts';
import { insertRequestLogRows, type RequestLogInsert } from './store.ts';

export const REQUEST_LOG_FLUSH_MS = 1_000;
/** Rows per insert statement. */
export const REQUEST_LOG_BATCH_SIZE = 500;

export interface RequestLogRecorder {
  record(entry: RequestLogEntry): void;
  /** Writes everything buffered now (tests and shutdown); resolves once it is in the database or counted as dropped. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

export interface RequestLogRecorderOptions {
  /** Entries held before the oldest is dropped (default config.requestLogBufferSize). */
  capacity?: number;
  batchSize?: number;
  flushIntervalMs?: number;
}

export function createRequestLogRecorder(ctx: ServiceContext, options: RequestLogRecorderOptions = {}): RequestLogRecorder {
  const capacity = options.capacity ?? ctx.config.requestLogBufferSize;
  const batchSize = options.batchSize ?? REQUEST_LOG_BATCH_SIZE;
  const keepQueryValues = ctx.config.requestLogKeepQueryValues;
  const dropped = droppedCounterOf(ctx.metrics.registry);
  const droppedBufferFull = dropped.labels({ reason: 'buffer_full' });
  const droppedWriteFailed = dropped.labels({ reason: 'write_failed' });

  let buffer: RequestLogEntry[] = [];
  let writing: Promise<void> | null = null;
  let closed = false;
  const timer = setInterval(() => {
    if (buffer.length > 0) void flush();
  }, options.flushIntervalMs ?? REQUEST_LOG_FLUSH_MS);
  timer.unref();

  async function writeBatch(entries: RequestLogEntry[]): Promise<void> {
    try {
      await insertRequestLogRows(ctx.database.db, entries.map((entry) => rowOf(entry, keepQueryValues)));
    } catch (error) {
      droppedWriteFailed.inc(entries.length);
      ctx.logger.warn({ err: error, entries: entries.length }, 'writing request log entries failed; they are dropped');
    }
  }

  /** Writes batches until the buffer is empty; one writer at a time, so batches land in the order they were taken. */
  async function drain(): Promise<void> {
    while (buffer.length > 0) {
      const taken = buffer.length <= batchSize ? buffer : buffer.slice(0, batchSize);
      buffer = taken === buffer ? [] : buffer.slice(batchSize);
      await writeBatch(taken);
    }
  }

  function flush(): Promise<void> {
    writing ??= drain().finally(() => {
      writing = null;
    });
    return writing;
  }

  return {
    record(entry) {
      if (buffer.length >= capacity) {
        buffer.shift();
        droppedBufferFull.inc();
      }
      buffer.push(entry);
      if (buffer.length >= batchSize && writing === null && !closed) void flush();
    },
    flush: async () => {
      // A drain in progress may have taken its batch before the latest entries arrived: run once more after it.
      if (writing) await writing;
      await flush();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      if (writing) await writing;
      await flush();
    },
  };
}

const droppedCounters = new WeakMap<Registry, Counter<'reason'>>();

/** One counter per registry: a second recorder on the same service (tests) shares it. */
function droppedCounterOf(registry: Registry): Counter<'reason'> {
  let counter = droppedCounters.get(registry);
  if (!counter) {
    counter = new Counter({
      name: 'ofconnect_request_log_dropped_total',
      help: 'Request log entries not written: buffer_full (the oldest dropped while writes fell behind) or write_failed (the database refused a batch)',
      labelNames: ['reason'],
      registers: [registry],
    });
    droppedCounters.set(registry, counter);
  }
  return counter;
}

function rowOf(entry: RequestLogEntry, keepQueryValues: boolean): RequestLogInsert {
  return {
    org_id: entry.orgId,
    environment: entry.environment,
    connection_id: entry.connectionId,
    created_at: new Date(entry.arrivedAtMs).toISOString(),
    method: entry.method,
    path: loggedPathOf(entry.url, keepQueryValues),
    status: entry.status,
    upstream_status: entry.upstreamStatus,
    duration_ms: entry.durationMs,
    retries: entry.retries,
    request_id: entry.requestId,
    api_key_id: entry.apiKeyId,
  };
}
