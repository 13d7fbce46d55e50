// One attempt of one delivery: sign, POST, log the attempt, and move the delivery on (done, retry later, or
// finally failed), disabling the endpoint on 410 Gone or after 5 days of failures.
import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';
import type { Clock } from '../platform/clock.ts';
import { systemClock } from '../platform/clock.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { Executor } from '../platform/db/database.ts';
import { newId } from '../platform/ids.ts';
import { releaseLease, type ClaimedRow } from '../platform/leases.ts';
import { disableFailingEndpoint } from './disable-endpoint.ts';
import { activeSecrets } from './endpoints.ts';
import type { CompletionWriter } from './completion-writer.ts';
import type { DeliveryOutcomeLabel, WebhookMetrics } from './metrics.ts';
import { DISABLE_AFTER_FAILING_MS, nextAttemptAfterFailure } from './retry-schedule.ts';
import { signDelivery } from './signing.ts';
import * as store from './store.ts';
import type { DeliveryJob } from './store.ts';
import { webhookUrlShapeProblem } from './url-policy.ts';

const SNIPPET_BYTES = 4096;
const USER_AGENT = 'ofconnect-webhooks/1';

export interface DeliveryDeps {
  ctx: ServiceContext;
  clock: Clock;
  dispatcher: Dispatcher;
  attemptTimeoutMs: number;
  metrics: WebhookMetrics;
  /** Aborted when the worker stops: the attempt is abandoned, not counted, and the delivery is due again. */
  stopSignal: AbortSignal;
  /** The deadlines of attempts in flight; the worker aborts them when it stops. A set rather than one listener
   *  per attempt on stopSignal: dozens of attempts in flight would each add one to the same signal. */
  attemptsInFlight: Set<AbortController>;
  /** Where successful attempts are written (batched). */
  completions: CompletionWriter;
}

interface AttemptResult {
  statusCode: number | null;
  responseSnippet: string | null;
  error: string | null;
  durationMs: number;
}

async function readSnippet(response: Dispatcher.ResponseData): Promise<string> {
  const length = Number(response.headers['content-length']);
  if (Number.isFinite(length) && length <= SNIPPET_BYTES) return response.body.text();
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the stream: a receiver replying with megabytes costs us 4 KB.
  for await (const chunk of response.body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= SNIPPET_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8');
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  if (error.name === 'TimeoutError') return 'timed out';
  const code = (error as { code?: string }).code;
  return `${code ? `${code} ` : ''}${error.message}${cause}`.slice(0, 1000);
}

async function sendAttempt(deps: DeliveryDeps, job: DeliveryJob, body: string): Promise<AttemptResult> {
  const problem = webhookUrlShapeProblem(deps.ctx.config, job.url);
  if (problem) return { statusCode: null, responseSnippet: null, error: `url ${problem}`, durationMs: 0 };
  // The receiver checks webhook-timestamp against its own wall clock, so it is real time even when schedules
  // run on an injected clock.
  const headers = signDelivery(job.messageId, systemClock.now(), body, activeSecrets(deps.ctx, { id: job.endpointId, ...job }, deps.clock.now()));
  const started = performance.now();
  // One deadline for connect, request and reply together (a trickling receiver must not outlive the lease).
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException('attempt timed out', 'TimeoutError')), deps.attemptTimeoutMs);
  if (deps.stopSignal.aborted) deadline.abort(deps.stopSignal.reason);
  deps.attemptsInFlight.add(deadline);
  try {
    const response = await request(job.url, {
      method: 'POST',
      dispatcher: deps.dispatcher,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers },
      body,
      signal: deadline.signal,
    });
    const responseSnippet = await readSnippet(response);
    return { statusCode: response.statusCode, responseSnippet, error: null, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    const reason = deadline.signal.aborted && !deps.stopSignal.aborted ? 'timed out' : describeError(error);
    return { statusCode: null, responseSnippet: null, error: reason, durationMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
    deps.attemptsInFlight.delete(deadline);
  }
}

function isSuccess(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}

/** Sends one held delivery and records what happened. Returns the outcome for metrics and tests. */
export async function deliverWebhookMessage(deps: DeliveryDeps, job: DeliveryJob, lease: ClaimedRow): Promise<DeliveryOutcomeLabel | 'abandoned'> {
  const { ctx, clock } = deps;
  const db = ctx.database.db;
  if (!job.enabled) {
    await store.failHeldDelivery(db, lease, clock.now());
    return 'endpoint_disabled';
  }
  const result = await sendAttempt(deps, job, JSON.stringify(job.payload));
  if (deps.stopSignal.aborted && result.statusCode === null) {
    await releaseLease(db, store.deliveryLeases, lease, clock.now());
    return 'abandoned';
  }
  deps.metrics.attemptDuration.observe(result.durationMs / 1000);
  const now = clock.now();
  const attemptNumber = job.attemptCount + 1;
  const attempt: store.AttemptRecord = {
    id: newId('attempt'),
    orgId: job.orgId,
    deliveryId: job.deliveryId,
    endpointId: job.endpointId,
    messageId: job.messageId,
    attempt: attemptNumber,
    ...result,
    at: now,
  };

  const completion = (outcome: store.DeliveryOutcome): store.Completion => ({
    lease,
    endpointId: job.endpointId,
    orderingKey: job.orderingKey,
    outcome,
    attempt,
  });

  if (isSuccess(result.statusCode)) {
    const held = await deps.completions.write(completion({ status: 'succeeded', attemptCount: attemptNumber, lastStatusCode: result.statusCode, nextAttemptAt: null }));
    if (job.failingSince) await store.clearEndpointFailing(db, job.endpointId);
    return held ? 'succeeded' : 'lease_lost';
  }

  if (result.statusCode === 410) {
    // 410 Gone: the receiver says this URL is finished; no retries, and no further deliveries to it.
    return db.transaction(async (tx) => {
      const finished = completion({ status: 'failed', attemptCount: attemptNumber, lastStatusCode: 410, nextAttemptAt: null });
      if (!(await isHeldAfter(tx, finished, now))) return 'lease_lost';
      await disableFailingEndpoint(tx, job.endpointId, 'gone', now);
      ctx.logger.warn({ endpointId: job.endpointId, orgId: job.orgId }, 'webhook endpoint answered 410 Gone: disabled');
      return 'endpoint_disabled';
    });
  }

  const nextAttemptAt = nextAttemptAfterFailure(attemptNumber, now);
  return db.transaction(async (tx) => {
    const failed = completion({ status: nextAttemptAt ? 'pending' : 'failed', attemptCount: attemptNumber, lastStatusCode: result.statusCode, nextAttemptAt });
    if (!(await isHeldAfter(tx, failed, now))) return 'lease_lost';
    const failingSince = await store.markEndpointFailing(tx, job.endpointId, now);
    if (failingSince && now.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS) {
      await disableFailingEndpoint(tx, job.endpointId, 'failing', now);
      ctx.logger.warn({ endpointId: job.endpointId, orgId: job.orgId }, 'webhook endpoint failing for 5 days: disabled');
      return 'endpoint_disabled';
    }
    if (!nextAttemptAt) {
      ctx.logger.warn({ endpointId: job.endpointId, messageId: job.messageId, attempts: attemptNumber }, 'webhook delivery failed after the last retry');
      return 'failed';
    }
    return 'retrying';
  });
}

async function isHeldAfter(tx: Executor, completion: store.Completion, now: Date): Promise<boolean> {
  return (await store.completeAttempts(tx, [completion], now)).has(completion.lease.id);
}
