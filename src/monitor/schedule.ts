// When a connection is checked next. Regular checks come every interval ± jitter, so connections created together
// drift apart instead of hitting upstream in one burst; a new (or reconnected) connection gets a uniformly random
// first check inside one interval, which spreads any batch of them evenly over the period. Transient failures back
// off exponentially, capped, and are jittered too so an upstream outage does not end in a synchronised retry storm.
import type { Config } from '../platform/config.ts';

export interface MonitorSchedule {
  intervalMs: number;
  /** 0.1 = ±10 % around the interval. */
  jitterFraction: number;
  /** First retry after a transient failure; doubles with each further failure. */
  backoffBaseMs: number;
  /** Longest wait between retries (never longer than the interval). */
  backoffCapMs: number;
}

/** A source of uniform numbers in [0, 1): Math.random in service, seeded in tests. */
export type RandomSource = () => number;

const BACKOFF_BASE_MS = 60_000;
const BACKOFF_CAP_MS = 60 * 60_000;

export function monitorScheduleFrom(config: Config): MonitorSchedule {
  const intervalMs = config.monitorIntervalMinutes * 60_000;
  return {
    intervalMs,
    jitterFraction: config.monitorJitterPercent / 100,
    backoffBaseMs: Math.min(BACKOFF_BASE_MS, intervalMs),
    backoffCapMs: Math.min(BACKOFF_CAP_MS, intervalMs),
  };
}

function jittered(ms: number, fraction: number, random: RandomSource): number {
  return ms * (1 - fraction + 2 * fraction * random());
}

/** The first check of a connection that has just become active: anywhere inside the next interval. */
export function firstCheckAt(schedule: MonitorSchedule, now: Date, random: RandomSource = Math.random): Date {
  return new Date(now.getTime() + Math.floor(random() * schedule.intervalMs));
}

/** After a conclusive check: one interval later, jittered. */
export function nextRegularCheckAt(schedule: MonitorSchedule, now: Date, random: RandomSource = Math.random): Date {
  return new Date(now.getTime() + Math.round(jittered(schedule.intervalMs, schedule.jitterFraction, random)));
}

/** How long to wait after the n-th consecutive transient failure (n ≥ 1), before jitter. */
export function backoffDelayMs(schedule: MonitorSchedule, failures: number): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  return Math.min(schedule.backoffCapMs, schedule.backoffBaseMs * 2 ** exponent);
}

/** After the n-th consecutive transient failure; never sooner than upstream's Retry-After when it gave one. */
export function retryCheckAt(
  schedule: MonitorSchedule,
  now: Date,
  failures: number,
  options: { retryAfterMs?: number | null; random?: RandomSource } = {},
): Date {
  const delay = jittered(backoffDelayMs(schedule, failures), schedule.jitterFraction, options.random ?? Math.random);
  return new Date(now.getTime() + Math.round(Math.max(delay, options.retryAfterMs ?? 0)));
}
