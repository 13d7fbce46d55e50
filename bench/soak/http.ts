// Every request the soak makes goes through here and is counted: by kind of traffic and status, and each 4xx and 5xx
// by its cause — the error body's `type` and `details.reason` (our error shape), or `html` / `no body` when a reply is
// not in that shape, or the network error when there was no reply at all.
import { Agent, request, type Dispatcher } from 'undici';

/** What a request was for; the report breaks statuses down by these. */
export type TrafficKind =
  | 'access read'
  | 'access write'
  | 'proxy read'
  | 'link api'
  | 'link page'
  | 'connections'
  | 'webhooks api'
  | 'set-up';

export interface Reply {
  /** HTTP status, or 0 when no reply arrived (see `networkError`). */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
  networkError?: string;
}

export interface Cause {
  kind: TrafficKind;
  status: number;
  cause: string;
}

export class RequestTally {
  /** kind → status ("0" for no reply) → count. */
  readonly byKind = new Map<TrafficKind, Map<number, number>>();
  /** "kind|status|cause" → count, for 5xx and replies that never came. */
  readonly failures = new Map<string, number>();
  /** "kind|status|cause" → count, for 4xx: refusals, which under injected faults are mostly upstream's 429s. */
  readonly refusals = new Map<string, number>();
  /** One example request per cause (method and path), to find it in the logs. */
  readonly examples = new Map<string, string>();

  record(kind: TrafficKind, what: string, reply: Reply): void {
    const statuses = this.byKind.get(kind) ?? new Map<number, number>();
    this.byKind.set(kind, statuses);
    statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    if (reply.status !== 0 && reply.status < 400) return;
    const key = `${kind}|${reply.status}|${causeOf(reply)}`;
    const counts = reply.status !== 0 && reply.status < 500 ? this.refusals : this.failures;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!this.examples.has(key)) this.examples.set(key, what);
  }

  total(): number {
    let n = 0;
    for (const statuses of this.byKind.values()) for (const count of statuses.values()) n += count;
    return n;
  }
}

/** The cause of an error reply (or of no reply) in a few words. */
export function causeOf(reply: Reply): string {
  if (reply.status === 0) return `network: ${reply.networkError ?? 'unknown'}`;
  const body = reply.body;
  if (body && typeof body === 'object' && typeof body.type === 'string') {
    const reason = body.details && typeof body.details.reason === 'string' ? `/${body.details.reason}` : '';
    return `${body.type}${reason}`;
  }
  if (/^\s*</.test(reply.text)) {
    const heading = /<h1[^>]*>([^<]*)<\/h1>/.exec(reply.text)?.[1]?.trim();
    return heading ? `html page "${heading}"` : 'html';
  }
  return reply.text ? 'not our error shape' : 'no body';
}

export interface SendOptions {
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
}

export class SoakHttp {
  private readonly agent = new Agent({ connections: 64, keepAliveTimeout: 10_000, headersTimeout: 60_000, bodyTimeout: 60_000 });

  constructor(
    readonly baseUrl: string,
    readonly tally: RequestTally,
  ) {}

  /** One request to the api node (an absolute URL may name another origin); counted under `kind`. */
  async send(kind: TrafficKind, method: Dispatcher.HttpMethod, pathOrUrl: string, options: SendOptions = {}): Promise<Reply> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.baseUrl}${pathOrUrl}`;
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    let reply: Reply;
    try {
      const res = await request(url, { method, headers, body, dispatcher: this.agent });
      const text = await res.body.text();
      let parsed: unknown = text;
      if (String(res.headers['content-type'] ?? '').includes('json') && text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          // kept as text: the cause reads "not our error shape"
        }
      }
      reply = { status: res.statusCode, headers: res.headers, body: parsed, text };
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error instanceof Error ? error.name : 'error');
      reply = { status: 0, headers: {}, body: null, text: '', networkError: code };
    }
    this.tally.record(kind, `${method} ${new URL(url).pathname}`, reply);
    return reply;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
