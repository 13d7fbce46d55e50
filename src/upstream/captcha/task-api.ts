// The createTask / getTaskResult JSON API that CapSolver, Anti-Captcha and 2Captcha (its v2 API) share: POST
// {clientKey, task} to /createTask → {errorId, taskId}; POST {clientKey, taskId} to /getTaskResult until
// {status: "ready", solution: {token}}. errorId other than 0 carries errorCode and errorDescription. The services
// differ in task types and proxy fields only (services.ts).
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../../platform/logger.ts';
import { UpstreamLoginError } from '../errors.ts';
import type { CaptchaContext, CaptchaKind, CaptchaProvider } from '../captcha.ts';
import type { CaptchaService } from './services.ts';

/**
 * Waits between result checks: the services answer Turnstile in 5–20 s and ask clients not to poll faster than every
 * 1–3 s. The last delay repeats until the solve's deadline.
 */
export const POLL_DELAYS_MS: readonly number[] = [1_000, 1_000, 2_000, 2_000, 3_000];
/** One HTTP call to the service may take at most this long (and never past the solve's deadline). */
const REQUEST_TIMEOUT_MS = 15_000;

export interface TaskApiProviderOptions {
  service: CaptchaService;
  apiKey: string;
  /** The service's base URL (its documented one unless overridden). */
  apiUrl: string;
  timeoutMs: number;
  siteKeys: Record<CaptchaKind, string>;
  logger: Logger;
  pollDelaysMs?: readonly number[];
}

/** What a service answered, parsed: only the fields the protocol defines. */
interface TaskReply {
  errorId: number;
  errorCode: string | null;
  errorDescription: string | null;
  /** Sent back exactly as received: a number (Anti-Captcha, 2Captcha) or a string (CapSolver). */
  taskId: string | number | null;
  status: string | null;
  token: string | null;
}

export function createTaskApiCaptchaProvider(options: TaskApiProviderOptions): CaptchaProvider {
  const base = options.apiUrl.replace(/\/+$/, '');
  const delays = options.pollDelaysMs ?? POLL_DELAYS_MS;
  const { service, logger } = options;

  const failure = (message: string, extra: Record<string, unknown> = {}): UpstreamLoginError => {
    logger.warn({ captchaProvider: service.name, ...extra }, `captcha solving failed: ${message}`);
    return new UpstreamLoginError('captcha_failed', `The captcha service (${service.name}) ${message}`);
  };

  async function post(method: 'createTask' | 'getTaskResult', body: Record<string, unknown>, deadline: number, signal?: AbortSignal): Promise<TaskReply> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw failure(`did not solve the captcha within ${options.timeoutMs} ms (OFCONNECT_CAPTCHA_TIMEOUT_MS)`, { reason: 'timeout' });
    const timeout = AbortSignal.timeout(Math.min(REQUEST_TIMEOUT_MS, remaining));
    let response: Response;
    try {
      response = await fetch(`${base}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ clientKey: options.apiKey, ...body }),
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      // The cause names the host and a network code, never the request body (which holds the key).
      const code = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : networkCodeOf(error);
      throw failure(`could not be reached at ${base} (${code})`, { reason: 'unreachable', method, code });
    }
    const text = await response.text().catch(() => '');
    const reply = parseTaskReply(text);
    if (!reply) throw failure(`answered ${method} with HTTP ${response.status} and no task reply`, { reason: 'bad_reply', method, status: response.status });
    if (reply.errorId !== 0) {
      const code = reply.errorCode ?? `errorId ${reply.errorId}`;
      const description = reply.errorDescription ? `: ${reply.errorDescription}` : '';
      throw failure(`refused ${method} with ${code}${description}`, { reason: 'service_error', method, errorCode: code });
    }
    return reply;
  }

  return {
    async solve(kind, context) {
      const deadline = Date.now() + options.timeoutMs;
      const task = service.turnstileTask({ websiteURL: context.pageUrl, websiteKey: options.siteKeys[kind], userAgent: context.userAgent, proxyUrl: context.proxyUrl });
      const created = await post('createTask', { task }, deadline, context.signal);
      if (!created.taskId) throw failure('answered createTask without a taskId', { reason: 'bad_reply' });
      const taskId = created.taskId;
      for (let attempt = 0; ; attempt++) {
        const wait = delays[Math.min(attempt, delays.length - 1)] ?? 1_000;
        if (Date.now() + wait >= deadline) break;
        await delay(wait, undefined, { signal: context.signal });
        const result = await post('getTaskResult', { taskId }, deadline, context.signal);
        if (result.status === 'ready') {
          if (result.token) return result.token;
          throw failure('reported the task ready without solution.token', { reason: 'bad_reply', taskId });
        }
        if (result.status === 'failed') throw failure('gave up on the task (status failed)', { reason: 'service_error', taskId });
      }
      throw failure(`did not solve the captcha within ${options.timeoutMs} ms (OFCONNECT_CAPTCHA_TIMEOUT_MS)`, { reason: 'timeout', taskId, kind });
    },
  };

  function networkCodeOf(error: unknown): string {
    const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
    return typeof cause?.code === 'string' ? cause.code : 'network error';
  }
}

/** Parse, don't cast: only the protocol's fields, each checked for its type. */
function parseTaskReply(text: string): TaskReply | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const record = body as Record<string, unknown>;
  const errorId = typeof record.errorId === 'number' ? record.errorId : typeof record.errorId === 'string' ? Number(record.errorId) || 0 : 0;
  const taskId = (typeof record.taskId === 'string' && record.taskId !== '') || (typeof record.taskId === 'number' && record.taskId > 0) ? record.taskId : null;
  const solution = typeof record.solution === 'object' && record.solution !== null ? (record.solution as Record<string, unknown>) : {};
  return {
    errorId,
    errorCode: typeof record.errorCode === 'string' && record.errorCode !== '' ? record.errorCode : null,
    errorDescription: typeof record.errorDescription === 'string' && record.errorDescription !== '' ? record.errorDescription : null,
    taskId,
    status: typeof record.status === 'string' ? record.status : null,
    token: typeof solution.token === 'string' && solution.token !== '' ? solution.token : null,
  };
}
