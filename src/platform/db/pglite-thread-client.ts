// The service's side of the embedded database thread (pglite-thread.mjs): the part of PGlite's API that drizzle and
// database.ts use (query, exec, transaction, listen, close), plus named prepared statements, forwarded to the thread
// as messages. Statements still run one at a time, as on any PGlite; what changes is that they no longer run on the
// service's event loop.
import { Worker } from 'node:worker_threads';
import { packagePath } from '../package-root.ts';

interface QueryOptions {
  rowMode?: 'array' | 'object';
  /** drizzle passes identity parsers for the types it wants as text (timestamps, dates, intervals). */
  parsers?: Record<number, unknown>;
}

export interface QueryResult {
  rows: unknown[];
  fields: Array<{ name: string; dataTypeID: number }>;
  affectedRows?: number;
}

/** What runs statements: the database itself, or one open transaction on it. */
export interface PgliteSessionLike {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult>;
  exec(sql: string): Promise<unknown>;
  /** Runs a statement as the named prepared statement `name` (parsed and planned on first use; see
   *  pglite-prepared.mjs). One name must always stand for the same text. Values come back parsed by type. */
  prepared(name: string, sql: string, params: unknown[]): Promise<QueryResult>;
}

export interface PgliteThreadClient extends PgliteSessionLike {
  transaction<T>(run: (tx: PgliteSessionLike) => Promise<T>): Promise<T>;
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => void>;
  close(): Promise<void>;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

type Reply = { op?: undefined; id: number; ok: true; result: unknown } | { op?: undefined; id: number; ok: false; error: Record<string, unknown> };
type Notice = { op: 'ready' } | { op: 'notification'; channel: string; payload: string };

/** Rebuilds a database error with its fields (code, constraint …), which error handling reads. */
function deserializeError(fields: Record<string, unknown>): Error {
  const error = new Error(String(fields.message));
  Object.assign(error, fields);
  return error;
}

export async function startPgliteThread(options: { dataDir: string | null; postgresqlconf: string[] }): Promise<PgliteThreadClient> {
  const worker = new Worker(packagePath('src/platform/db/pglite-thread.mjs'), {
    workerData: { dataDir: options.dataDir, postgresqlconf: options.postgresqlconf },
  });
  const pending = new Map<number, Pending>();
  const handlers = new Map<string, Set<(payload: string) => void>>();
  let nextId = 1;
  let failure: Error | null = null;

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: Reply | Notice) => {
      if (message.op === 'ready') return resolve();
      if (message.op === 'notification') {
        for (const handler of handlers.get(message.channel) ?? []) handler(message.payload);
        return;
      }
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(deserializeError(message.error));
    });
    const stopAll = (error: Error) => {
      failure = error;
      reject(error);
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
    };
    worker.on('error', (error) => stopAll(new Error(`the embedded database thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => stopAll(new Error(`the embedded database thread exited (code ${code})`)));
  });

  function send<T>(message: Record<string, unknown>): Promise<T> {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      worker.postMessage({ ...message, id });
    });
  }

  function session(txId?: number): PgliteSessionLike {
    return {
      query: (sql, params = [], queryOptions = {}) =>
        send<QueryResult>({
          op: 'query',
          txId,
          sql,
          params,
          rowMode: queryOptions.rowMode,
          textTypes: queryOptions.parsers ? Object.keys(queryOptions.parsers).map(Number) : undefined,
        }),
      exec: (sql) => send({ op: 'exec', txId, sql }),
      prepared: (name, sql, params) => send<QueryResult>({ op: 'prepared', txId, name, sql, params }),
    };
  }

  await ready;
  return {
    ...session(),
    async transaction(run) {
      // The begin message's id names the transaction. Its statements follow without waiting for the reply: the
      // thread reads messages in order and queues them behind the begin, which saves a round trip per transaction.
      const txId = nextId;
      const begun = send({ op: 'begin' });
      begun.catch(() => {});
      let result: Awaited<ReturnType<typeof run>>;
      try {
        result = await run(session(txId));
        await begun;
      } catch (error) {
        await send({ op: 'end', txId, commit: false }).catch(() => {});
        throw error;
      }
      await send({ op: 'end', txId, commit: true });
      return result;
    },
    async listen(channel, onPayload) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await send({ op: 'listen', channel });
      }
      set.add(onPayload);
      return () => set.delete(onPayload);
    },
    async close() {
      if (!failure) await send({ op: 'close' }).catch(() => {});
      await worker.terminate();
    },
  };
}
