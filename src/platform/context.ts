// What every capability is handed: the service's shared parts. Built once in src/service.ts.
import type { Config } from './config.ts';
import type { Clock } from './clock.ts';
import type { DatabaseHandle } from './db/database.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { RateLimiters } from './rate-limits.ts';
import type { Tracing } from './tracing.ts';
import type { Vault } from './vault.ts';
import type { UpstreamEnvironments } from '../upstream/environments.ts';

export interface ServiceContext {
  config: Config;
  logger: Logger;
  clock: Clock;
  database: DatabaseHandle;
  vault: Vault;
  metrics: Metrics;
  /** Spans (OpenTelemetry): the no-op tracer unless an OTLP endpoint is configured. */
  tracing: Tracing;
  /** Shared rate limits (memory, or Redis when REDIS_URL is set). */
  rateLimiters: RateLimiters;
  /** The OnlyFans client for each environment (simulator for sandbox keys). */
  upstreams: UpstreamEnvironments;
  /** The origin printed links and redirects use (PUBLIC_URL or the listening address). */
  publicOrigin(): string;
}
