// Liveness, readiness and Prometheus metrics.
import { Type } from 'typebox';
import type { ServiceContext } from '../context.ts';
import type { HttpApp } from './http-app.ts';

const Status = Type.Object({ status: Type.String(), checks: Type.Optional(Type.Record(Type.String(), Type.String())) });

/** A database that stops answering (partition, dead host) leaves a query waiting forever: readiness says so in time. */
const DATABASE_CHECK_TIMEOUT_MS = 2_000;

function withinTime<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function registerHealthRoutes(app: HttpApp, ctx: ServiceContext, isShuttingDown: () => boolean): void {
  app.get('/healthz', { schema: { tags: ['Operations'], summary: 'The process is up', response: { 200: Status } } }, async () => ({
    status: 'ok',
  }));

  app.get('/readyz', {
    schema: { tags: ['Operations'], summary: 'Database reachable and migrations applied', response: { 200: Status, 503: Status } },
  }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    try {
      await withinTime(ctx.database.ping(), DATABASE_CHECK_TIMEOUT_MS);
      checks.database = 'ok';
      checks.migrations = (await withinTime(ctx.database.isMigrated(), DATABASE_CHECK_TIMEOUT_MS)) ? 'ok' : 'pending';
    } catch {
      checks.database = 'unreachable';
    }
    if (isShuttingDown()) checks.shutdown = 'in progress';
    const ready = checks.database === 'ok' && checks.migrations === 'ok' && !isShuttingDown();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', { schema: { tags: ['Operations'], summary: 'Prometheus metrics', hide: false } }, async (_request, reply) => {
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
