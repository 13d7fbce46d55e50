// A local stand-in for a captcha solving service: speaks the createTask / getTaskResult JSON API CapSolver,
// Anti-Captcha and 2Captcha share, on a loopback port. Each task answers "processing" a set number of times, then
// "ready" with the token the test chose for its site key; every request is recorded for assertions.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInTask {
  taskId: number;
  task: Record<string, unknown>;
  polls: number;
}

export interface StandInOptions {
  /** The clientKey the service accepts; any other is ERROR_KEY_DOES_NOT_EXIST. */
  apiKey: string;
  /** Token per websiteKey; a site key not listed gets `defaultToken`. */
  tokens?: Record<string, string>;
  defaultToken?: string;
  /** getTaskResult answers "processing" this many times per task before "ready" (default 1). */
  processingPolls?: number;
  /** Never ready: every poll answers "processing" (for timeouts). */
  isStuck?: boolean;
  /** createTask fails with this errorCode (e.g. ERROR_ZERO_BALANCE). */
  createError?: string;
}

export interface CaptchaStandIn {
  url: string;
  tasks: StandInTask[];
  /** Every request body, as received (they hold the clientKey). */
  requests: Array<{ path: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startCaptchaStandIn(options: StandInOptions): Promise<CaptchaStandIn> {
  const tasks: StandInTask[] = [];
  const requests: CaptchaStandIn['requests'] = [];
  let nextId = 7_654_321;

  const answer = (path: string, body: Record<string, unknown>): Record<string, unknown> => {
    if (body.clientKey !== options.apiKey) {
      return { errorId: 1, errorCode: 'ERROR_KEY_DOES_NOT_EXIST', errorDescription: 'Account authorization key not found in the system' };
    }
    if (path === '/createTask') {
      if (options.createError) return { errorId: 1, errorCode: options.createError, errorDescription: `stand-in refuses: ${options.createError}` };
      const task = typeof body.task === 'object' && body.task !== null ? (body.task as Record<string, unknown>) : {};
      const created = { taskId: nextId++, task, polls: 0 };
      tasks.push(created);
      return { errorId: 0, taskId: created.taskId };
    }
    if (path === '/getTaskResult') {
      const task = tasks.find((t) => t.taskId === body.taskId);
      if (!task) return { errorId: 16, errorCode: 'ERROR_NO_SUCH_CAPCHA_ID', errorDescription: 'Task not found' };
      task.polls += 1;
      if (options.isStuck || task.polls <= (options.processingPolls ?? 1)) return { errorId: 0, status: 'processing' };
      const siteKey = String(task.task.websiteKey ?? '');
      const token = options.tokens?.[siteKey] ?? options.defaultToken ?? 'stand-in-token';
      return { errorId: 0, status: 'ready', solution: { token, userAgent: 'stand-in' }, cost: '0.00120' };
    }
    return { errorId: 1, errorCode: 'ERROR_UNKNOWN_METHOD' };
  };

  const server: Server = createServer((req, res) => {
    void readJson(req).then((body) => {
      const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
      requests.push({ path, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(path, body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tasks,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
