// The relay's queries. Sockets are due work (platform/leases.ts's pattern): a claim takes due, unleased rows with
// FOR UPDATE SKIP LOCKED and stamps the worker and its lease in the same statement, so two workers never take the
// same socket; the holder renews its leases in one statement per round, and a holder that dies lets them run out.
// The statements that cross orgs (the sweep, claims, renewals, pruning) say so in their names. The sweep writes only
// rows that change (no ON CONFLICT DO UPDATE, which would lock every held row at each sweep).
import { sql } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { rowsOf, timestampAt } from '../platform/db/sql.ts';
import type { Environment } from '../platform/environment.ts';
import type { DedupeWindow } from './frames.ts';

/**
 * Makes the sockets table follow the connections of every org: a row due now for each active connection whose org
 * opted in (settings.realtime.enabled) and which did not opt out (its settings.realtime.enabled = false); rows of
 * connections that stopped qualifying are no longer due (their holder drops them at its next renewal).
 * Reads the connections and orgs tables directly: the sweep is one statement over every org.
 */
export async function syncRelayedConnectionsOfEveryOrg(ex: Executor, now: Date): Promise<void> {
  const at = timestampAt(now);
  await ex.execute(sql`
    with wanted as (
      select c.id, c.org_id, c.environment from connections c join orgs o on o.id = c.org_id
      where c.status = 'active'
        and coalesce((o.settings -> 'realtime' ->> 'enabled')::boolean, false)
        and coalesce((c.settings -> 'realtime' ->> 'enabled')::boolean, true)
    ), added as (
      insert into realtime_sockets (connection_id, org_id, environment, due_at, created_at)
      select id, org_id, environment, ${at}, ${at} from wanted
      where not exists (select 1 from realtime_sockets s where s.connection_id = wanted.id)
      on conflict (connection_id) do nothing
      returning 1
    ), resumed as (
      update realtime_sockets s set due_at = ${at}
      from wanted where s.connection_id = wanted.id and s.due_at is null
      returning 1
    )
    update realtime_sockets s set due_at = null, failures = 0
    where s.due_at is not null and not exists (select 1 from wanted where wanted.id = s.connection_id)`);
}

export interface ClaimedSocket {
  connectionId: string;
  orgId: string;
  environment: Environment;
  failures: number;
}

/** Claims up to `limit` due sockets nobody holds for this worker, until now + leaseMs. Crosses orgs. */
export async function claimSocketsOfEveryOrg(ex: Executor, options: { workerId: string; now: Date; leaseMs: number; limit: number }): Promise<ClaimedSocket[]> {
  if (options.limit <= 0) return [];
  const now = timestampAt(options.now);
  const until = timestampAt(new Date(options.now.getTime() + options.leaseMs));
  const result = await ex.execute(sql`
    with due as materialized (
      select connection_id from realtime_sockets
      where due_at <= ${now} and (lease_until is null or lease_until <= ${now})
      order by due_at limit ${options.limit}
      for update skip locked
    )
    update realtime_sockets s set lease_until = ${until}, worker_id = ${options.workerId}
    from due where s.connection_id = due.connection_id
    returning s.connection_id, s.org_id, s.environment, s.failures`);
  return rowsOf<{ connection_id: string; org_id: string; environment: Environment; failures: number }>(result).map((r) => ({
    connectionId: r.connection_id,
    orgId: r.org_id,
    environment: r.environment,
    failures: Number(r.failures),
  }));
}

export interface HeldSocketState {
  connectionId: string;
  connectedAt: Date | null;
  lastFrameAt: Date | null;
}

/**
 * Renews this worker's leases on the sockets it holds and records when each last connected and heard a frame.
 * Returns the ids it still holds and that are still wanted; the others were taken over or stopped. Crosses orgs.
 */
export async function renewSocketLeasesOfEveryOrg(ex: Executor, workerId: string, held: HeldSocketState[], now: Date, leaseMs: number): Promise<Set<string>> {
  if (held.length === 0) return new Set();
  const until = timestampAt(new Date(now.getTime() + leaseMs));
  const rows = JSON.stringify(held.map((h) => ({ id: h.connectionId, c: h.connectedAt?.toISOString() ?? null, f: h.lastFrameAt?.toISOString() ?? null })));
  const result = await ex.execute(sql`
    update realtime_sockets s
    set lease_until = ${until}, connected_at = coalesce(h.c, s.connected_at), last_frame_at = coalesce(h.f, s.last_frame_at)
    from jsonb_to_recordset(${rows}::jsonb) as h(id text, c timestamptz, f timestamptz)
    where s.connection_id = h.id and s.worker_id = ${workerId} and s.due_at is not null
    returning s.connection_id`);
  return new Set(rowsOf<{ connection_id: string }>(result).map((r) => r.connection_id));
}

/** Gives a socket back: due again at `dueAt` (null: no longer relayed), with its failure count. Only while held. */
export async function releaseSocket(ex: Executor, workerId: string, connectionId: string, dueAt: Date | null, failures: number): Promise<void> {
  await ex.execute(sql`
    update realtime_sockets set lease_until = null, worker_id = null, due_at = ${dueAt ? timestampAt(dueAt) : sql`null`}, failures = ${failures}
    where connection_id = ${connectionId} and worker_id = ${workerId}`);
}

/** Records a failure count on a held socket (for the next holder's backoff). */
export async function recordSocketFailures(ex: Executor, workerId: string, connectionId: string, failures: number): Promise<void> {
  await ex.execute(sql`update realtime_sockets set failures = ${failures} where connection_id = ${connectionId} and worker_id = ${workerId}`);
}

/**
 * Serialises the transactions that record realtime events, across workers: with it, those events commit in the
 * order of their outbox sequence numbers, so a stream reader that has seen position N has seen every realtime event
 * before N (no event can appear behind a reader later). Taken first in the transaction, before a number is drawn.
 */
export async function lockRealtimeEventOrder(ex: Executor): Promise<void> {
  await ex.execute(sql`select pg_advisory_xact_lock(hashtext('ofconnect:realtime-event-order'))`);
}

/**
 * Claims a frame key for a connection: true when this call is the first to record it (or the last record is older
 * than the window). The primary key serialises two workers recording the same frame at once.
 */
export async function claimFrameKey(ex: Executor, connectionId: string, key: string, window: DedupeWindow, receivedAt: Date): Promise<boolean> {
  const at = timestampAt(receivedAt);
  const result =
    window === 'once'
      ? await ex.execute(sql`
          insert into realtime_frames (connection_id, frame_key, received_at) values (${connectionId}, ${key}, ${at})
          on conflict (connection_id, frame_key) do nothing returning 1`)
      : await ex.execute(sql`
          insert into realtime_frames (connection_id, frame_key, received_at) values (${connectionId}, ${key}, ${at})
          on conflict (connection_id, frame_key) do update set received_at = excluded.received_at
          where realtime_frames.received_at < excluded.received_at - make_interval(secs => ${window})
          returning 1`);
  return rowsOf(result).length === 1;
}

/** Deletes frame keys recorded before `before`, every org's; returns how many went. */
export async function pruneFrameKeysOfEveryOrg(ex: Executor, before: Date, limit: number): Promise<number> {
  const result = await ex.execute(sql`
    with doomed as (select connection_id, frame_key from realtime_frames where received_at < ${timestampAt(before)} limit ${limit})
    delete from realtime_frames f using doomed where f.connection_id = doomed.connection_id and f.frame_key = doomed.frame_key
    returning 1`);
  return rowsOf(result).length;
}
