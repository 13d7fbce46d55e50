// The requests the simulator received (control API GET /_sandbox/requests), kept in a bounded ring.
// Cookie values are never stored: only their names.
import type { IncomingHttpHeaders } from 'node:http';
import { redactCookieHeader } from './cookies.ts';

export interface ReceivedRequest {
  seq: number;
  at: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  userId: number | null;
  status: number | null;
}

const RECORDED_HEADERS = ['app-token', 'sign', 'time', 'user-id', 'x-bc', 'user-agent', 'x-of-rev', 'x-hash', 'content-type', 'accept', 'referer'];
const CAPACITY = 5000;

export class RequestLog {
  private entries: ReceivedRequest[] = [];
  private seq = 0;

  begin(method: string, url: string, headers: IncomingHttpHeaders, at: number): ReceivedRequest {
    const recorded: Record<string, string> = {};
    for (const name of RECORDED_HEADERS) {
      const value = headers[name];
      if (value !== undefined) recorded[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const cookie = redactCookieHeader(headers.cookie);
    if (cookie !== undefined) recorded.cookie = cookie;
    const entry: ReceivedRequest = { seq: ++this.seq, at, method, url, headers: recorded, userId: null, status: null };
    this.entries.push(entry);
    if (this.entries.length > CAPACITY) this.entries = this.entries.slice(-CAPACITY / 2);
    return entry;
  }

  since(seq: number): ReceivedRequest[] {
    return this.entries.filter((entry) => entry.seq > seq);
  }

  get lastSeq(): number {
    return this.seq;
  }

  clear(): void {
    this.entries = [];
  }
}
