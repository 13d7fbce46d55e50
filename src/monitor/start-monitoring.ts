// For Link: a connection that has just become active through a login or a reconnect is scheduled for its first check
// (somewhere inside one interval, so a batch of logins spreads out). Call it in the transaction that made it active.
// Imported connections are never scheduled. The worker's sweep also catches an active Link connection left without a
// schedule, so a missed call delays its first check by at most a sweep period plus one interval, never forever.
import { scheduleConnectionChecks } from '../connections/health-checks.ts';
import type { Config } from '../platform/config.ts';
import type { Executor } from '../platform/db/database.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { firstCheckAt, monitorScheduleFrom, type RandomSource } from './schedule.ts';

/** Returns when the first check is due, or null when the connection is not a Link connection of this scope. */
export async function startMonitoringConnection(
  ex: Executor,
  config: Config,
  scope: TenantScope,
  connectionId: string,
  now: Date,
  random: RandomSource = Math.random,
): Promise<Date | null> {
  const due = firstCheckAt(monitorScheduleFrom(config), now, random);
  return (await scheduleConnectionChecks(ex, scope, connectionId, due)) ? due : null;
}

/** The next_check_at to insert a new Link connection with (when the row is created already active). */
export function firstCheckForNewConnection(config: Config, now: Date, random: RandomSource = Math.random): Date {
  return firstCheckAt(monitorScheduleFrom(config), now, random);
}
