// One flush of one connection's request log as the single JSON document a row of request_log_batches stores.
//
//   {"t": arrival of the batch's first entry (epoch ms),
//    "p": [[method, path], …]   each request line once,
//    "k": [API key id, …]       each key once,
//    "e": [[arrival − t (ms), index in p, status, upstream status or null, duration ms, retries, request id,
//           index in k], …]}
//
// Compact because every byte of it costs the embedded database's thread CPU when written (tables.ts has the figures):
// a connection's calls mostly repeat a few request lines and one key, so naming those once takes a typical entry from
// ~120 bytes as a full tuple to ~54. The arrival is relative to t for the same reason (and is negative for an entry
// that arrived before the first one recorded: entries are recorded when their calls end). Still JSON, so the reader
// (store.ts) filters and pages in SQL, on either database, without a decoder of its own.
import { loggedPathOf, type RequestLogEntry } from './entry.ts';

/** An entry as the document holds it (see the shape above). */
type DocumentEntry = [number, number, number, number | null, number, number, string, number];

export class BatchDocumentBuilder {
  readonly #keepQueryValues: boolean;
  readonly #firstAtMs: number;
  readonly #requestLines = new Map<string, number>();
  readonly #lines: [string, string][] = [];
  readonly #keyIndexes = new Map<string, number>();
  readonly #entries: DocumentEntry[] = [];
  /** The earliest and latest arrival among the entries, epoch milliseconds (the row's first_at and last_at). */
  firstAtMs: number;
  lastAtMs: number;

  constructor(first: RequestLogEntry, keepQueryValues: boolean) {
    this.#keepQueryValues = keepQueryValues;
    this.#firstAtMs = arrivalMsOf(first);
    this.firstAtMs = this.#firstAtMs;
    this.lastAtMs = this.#firstAtMs;
    this.add(first);
  }

  get entryCount(): number {
    return this.#entries.length;
  }

  add(entry: RequestLogEntry): void {
    const atMs = arrivalMsOf(entry);
    if (atMs < this.firstAtMs) this.firstAtMs = atMs;
    if (atMs > this.lastAtMs) this.lastAtMs = atMs;
    this.#entries.push([
      atMs - this.#firstAtMs,
      this.#requestLineIndex(entry.method, loggedPathOf(entry.url, this.#keepQueryValues)),
      entry.status,
      entry.upstreamStatus,
      entry.durationMs,
      entry.retries,
      entry.requestId,
      this.#keyIndex(entry.apiKeyId),
    ]);
  }

  /** The document as stored. */
  serialize(): string {
    return JSON.stringify({ t: this.#firstAtMs, p: this.#lines, k: [...this.#keyIndexes.keys()], e: this.#entries });
  }

  #requestLineIndex(method: string, path: string): number {
    // Methods are a handful of fixed words without spaces, so "method path" names the pair.
    const line = `${method} ${path}`;
    let index = this.#requestLines.get(line);
    if (index === undefined) {
      index = this.#lines.length;
      this.#requestLines.set(line, index);
      this.#lines.push([method, path]);
    }
    return index;
  }

  #keyIndex(apiKeyId: string): number {
    let index = this.#keyIndexes.get(apiKeyId);
    if (index === undefined) {
      index = this.#keyIndexes.size;
      this.#keyIndexes.set(apiKeyId, index);
    }
    return index;
  }
}

/** Whole milliseconds, as a page cursor names them (arrival is the clock less Fastify's fractional elapsed time). */
const arrivalMsOf = (entry: RequestLogEntry): number => Math.floor(entry.arrivedAtMs);
