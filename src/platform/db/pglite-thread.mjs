// The embedded database's own thread. PGlite is PostgreSQL compiled to WebAssembly: every statement runs as
// synchronous WebAssembly on the thread that calls it. Here it runs on a worker thread, so the service's event loop
// (API requests, webhook and monitor workers) keeps going while a statement executes, and the database gets a core
// of its own. The service side is pglite-thread-client.ts; this file is plain JavaScript because Node starts worker
// threads from files it can run as they are, from src/ (tests, tsx) and from the dist/ bundle alike.
import v8 from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { createPreparedStatements } from './pglite-prepared.mjs';

// PGlite's 9 MB of WebAssembly starts on V8's baseline compiler (Liftoff) only. With V8's default tiering, the code
// PostgreSQL runs while starting gets hot enough to be recompiled by the optimising compiler (TurboFan), whose code
// and compile memory stay resident: measured 225–240 MB against 170–178 MB for PGlite alone after 6,000 statements,
// and ~50 MB less idle RSS for the service. The flag is process-wide, so it is on only while the module compiles
// and the database starts (nothing else compiles WebAssembly then), and off again once it is ready: statements that
// later run hot are still optimised, as is undici's HTTP parser, compiled later by the service.
v8.setFlagsFromString('--liftoff-only');
const db = new PGlite(workerData.dataDir ?? undefined, { postgresqlconf: workerData.postgresqlconf });
const preparedStatements = createPreparedStatements(db);

/** Open transactions by id: each waits for its statements, and for the message that ends it. */
const transactions = new Map();
const listeners = new Map();
const ROLLBACK = Symbol('rollback');

function serializeError(error) {
  if (!(error instanceof Error)) return { message: String(error) };
  // Every own field travels (SQLSTATE code, constraint, detail …): callers recognise errors by them.
  const fields = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === undefined || typeof value === 'function' || (typeof value === 'object' && value !== null)) continue;
    fields[key] = value;
  }
  return { ...fields, name: error.name, message: error.message, stack: error.stack };
}

const reply = (id, result) => parentPort.postMessage({ id, ok: true, result });
const fail = (id, error) => parentPort.postMessage({ id, ok: false, error: serializeError(error) });

/** The query options the client sent, with its type parsers rebuilt (functions cannot cross threads: the client
 *  sends the type ids whose values it wants as text, which is all drizzle asks for). */
function queryOptions(message) {
  const options = {};
  if (message.rowMode) options.rowMode = message.rowMode;
  if (message.textTypes?.length) options.parsers = Object.fromEntries(message.textTypes.map((oid) => [oid, (value) => value]));
  return options;
}

/** A prepared statement inside a transaction: the transaction holds PGlite's transaction lock, each statement
 *  takes the query lock, as PGlite's own tx.query does; like it, no file-system sync until the commit. */
const runPreparedInTransaction = (message) =>
  db.runExclusive(() => preparedStatements.run(message.name, message.sql, message.params, { syncToFs: false }));

/** A prepared statement on its own: the same locks PGlite's query() takes, so it waits for open transactions. */
const runPrepared = (message) =>
  db._runExclusiveTransaction(() => db._runExclusiveQuery(() => preparedStatements.run(message.name, message.sql, message.params, { syncToFs: true })));

async function runStatement(target, message) {
  if (message.op === 'exec') return target.exec(message.sql);
  if (message.op === 'prepared') return target === db ? runPrepared(message) : runPreparedInTransaction(message);
  const { rows, fields, affectedRows } = await target.query(message.sql, message.params, queryOptions(message));
  return { rows, fields, affectedRows };
}

function beginTransaction(message) {
  const queue = [];
  let wake = null;
  let end = null;
  transactions.set(message.id, {
    push(next) {
      queue.push(next);
      wake?.();
    },
  });
  db.transaction(async (tx) => {
    reply(message.id, null);
    for (;;) {
      while (queue.length === 0) await new Promise((resolve) => (wake = resolve));
      wake = null;
      const next = queue.shift();
      if (next.op === 'end') {
        end = next;
        if (!next.commit) throw ROLLBACK;
        return;
      }
      try {
        reply(next.id, await runStatement(tx, next));
      } catch (error) {
        fail(next.id, error);
      }
    }
  })
    .then(() => reply(end.id, null))
    .catch((error) => (error === ROLLBACK ? reply(end.id, null) : fail(end?.id ?? message.id, error)))
    .finally(() => transactions.delete(message.id));
}

function toTransaction(message) {
  const transaction = transactions.get(message.txId);
  if (transaction) transaction.push(message);
  else fail(message.id, new Error('the transaction is already over'));
}

async function handle(message) {
  switch (message.op) {
    case 'query':
    case 'exec':
    case 'prepared':
      if (message.txId !== undefined) return toTransaction(message);
      return reply(message.id, await runStatement(db, message));
    case 'begin':
      return beginTransaction(message);
    case 'end':
      return toTransaction(message);
    case 'listen':
      if (!listeners.has(message.channel)) {
        listeners.set(message.channel, await db.listen(message.channel, (payload) => parentPort.postMessage({ op: 'notification', channel: message.channel, payload })));
      }
      return reply(message.id, null);
    case 'close':
      await db.close();
      reply(message.id, null);
      return parentPort.close();
    default:
      return fail(message.id, new Error(`unknown operation ${message.op}`));
  }
}

parentPort.on('message', (message) => {
  handle(message).catch((error) => fail(message.id, error));
});

try {
  await db.waitReady;
} finally {
  v8.setFlagsFromString('--no-liftoff-only');
}
parentPort.postMessage({ op: 'ready' });
