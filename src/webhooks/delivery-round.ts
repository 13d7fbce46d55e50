// The webhook worker's round: the statements that claim due deliveries across every org, record finished attempts,
// lease each queue's next delivery to the worker that finished the one before, and sweep stalled queues; plus the
// queue metrics. None of them is scoped to a tenant (the worker serves all orgs); each one that picks rows across
// orgs says so in its name. Tenant-scoped statements are in store.ts.
//
// Design. A worker's round trip records a batch of finished attempts and claims the next deliveries in one
// statement (completeAndClaimAcrossOrgs), so a busy worker makes one round trip (and one commit) per batch rather
// than two. Recording (completionCtes): `moved` (the ids whose lease was still held) logs the attempts and moves
// each held delivery on; a delivery that finished (succeeded or finally failed) promotes the next one waiting in its
// queue (`next_up`: waiting means pending with no due time and no lease). Up to the claim's limit of those next ones
// are leased to the worker in the same statement (`promoted_leased`, which returns what sending them takes): the
// worker sends them next without another write and without a claim scan. They get a lease but no due time:
// lease_until is in no index, so that update is a heap-only (HOT) one, which with the table's fillfactor leaving
// room measured 15–20% of the worker's database time on PGlite; a worker that dies holding one leaves it to
// sweepStalledQueuesAcrossOrgs once the lease runs out. The rest are promoted (due now) for any claim.
// The batch travels as one JSON parameter, so the statement is the same whatever its size. Lookups are forced onto
// primary keys and the queue index (= any(array(...)), lateral … limit 1): without statistics the planner would
// scan every delivery ever made for a batch of a few rows. The next ones are updated by the row position (ctid)
// the queue index gave, not looked up again by id; should another transaction change such a row first,
// PostgreSQL's recheck skips it rather than update a row it did not see, and the stalled-queue sweep promotes it.
// The round's text is rendered once per variant and run as a named prepared statement (roundStatement).
import { fillPlaceholders, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { executePrepared, type Executor } from '../platform/db/database.ts';
import { rowsOf, timestampAt } from '../platform/db/sql.ts';
import type { Environment } from '../platform/environment.ts';
import { claimCteWith, holdsLease, type ClaimedRow, type LeasedTable } from '../platform/leases.ts';
import { webhookDeliveries } from './tables.ts';

/** Deliveries are the due work: due at next_attempt_at, held while lease_until is in the future. */
export const deliveryLeases: LeasedTable = {
  table: webhookDeliveries,
  id: webhookDeliveries.id,
  dueAt: webhookDeliveries.nextAttemptAt,
  leaseUntil: webhookDeliveries.leaseUntil,
};

/** Only pending deliveries are claimed; those waiting behind an earlier one have no due time, so never match. */
export const deliverableCondition = sql`${webhookDeliveries.status} = 'pending'`;

/** Deliveries whose queue has nothing due or in flight, but which still wait: a recordEvent that committed while
 *  the delivery ahead of it was finishing saw it pending, and the finishing one did not yet see the newcomer; or a
 *  next one leased to a worker that died before sending it (next ones are leased without a due time, see
 *  completionCtes, so only this finds them once the lease has run out). Promotes the first of each such queue
 *  unless a live lease holds it. Workers run it on their polling timer. */
export async function sweepStalledQueuesAcrossOrgs(ex: Executor, now: Date): Promise<number> {
  const result = await ex.execute(sql`
    with heads as (
      select distinct on (w.endpoint_id, w.ordering_key) w.id, w.lease_until
      from webhook_deliveries w
      where w.status = 'pending' and w.next_attempt_at is null
        and not exists (
          select 1 from webhook_deliveries o
          where o.endpoint_id = w.endpoint_id and o.ordering_key = w.ordering_key and o.status = 'pending' and o.next_attempt_at is not null)
      order by w.endpoint_id, w.ordering_key, w.seq
    ), stalled as (
      select id from heads where lease_until is null or lease_until <= ${timestampAt(now)}
    )
    update webhook_deliveries d set next_attempt_at = ${timestampAt(now)} from stalled where d.id = stalled.id
    returning d.id`);
  return rowsOf(result).length;
}

export interface DeliveryJob {
  deliveryId: string;
  /** Where the claim left the delivery's row (its ctid): recording the attempt goes straight there. */
  rowPosition: string;
  attemptCount: number;
  orderingKey: string;
  orgId: string;
  environment: Environment;
  messageId: string;
  eventType: string;
  /** The envelope as JSON text, sent as the request body (signed as is, never re-serialized). */
  body: string;
  endpointId: string;
  url: string;
  enabled: boolean;
  secretBlob: string;
  previousSecretBlob: string | null;
  previousSecretExpiresAt: Date | null;
  failingSince: Date | null;
  /** The message's traceparent (the request that recorded it), or null: the attempt's span joins that trace. */
  traceparent: string | null;
}

/** A claimed delivery as the statement returns it: one JSON object per job, the whole list as text (JSON.parse
 *  beats per-column type parsing, happens on the worker's thread rather than the embedded database's, and the
 *  payload arrives as the exact text to send). */
interface DeliveryJobJson {
  delivery_id: string;
  row_position: string;
  attempt_count: number;
  ordering_key: string;
  org_id: string;
  environment: Environment;
  message_id: string;
  event_type: string;
  body: string;
  endpoint_id: string;
  url: string;
  enabled: boolean;
  secret_blob: string;
  previous_secret_blob: string | null;
  previous_secret_expires_at: string | null;
  failing_since: string | null;
  traceparent: string | null;
}

const dateOrNull = (value: string | null) => (value === null ? null : new Date(value));

/** What sending a claimed delivery takes, read from the rows claimed by the `claimed` CTE. Lateral lookups by
 *  primary key: the planner has no statistics on a young table (PGlite never analyzes), and would otherwise pick
 *  scans of the whole outbox for a handful of rows. */
const claimedJobsJson = sql`(
    select coalesce(json_agg(j), '[]') from (
      select d.id as delivery_id, d.row_position, d.attempt_count, d.ordering_key, d.org_id, m.environment, m.id as message_id, m.event_type,
             m.payload::text as body, m.traceparent, e.id as endpoint_id, e.url, e.enabled, e.secret_blob, e.previous_secret_blob,
             e.previous_secret_expires_at, e.failing_since
      from (select * from claimed union all select * from promoted_leased) d
      cross join lateral (select * from webhook_messages where id = d.message_id) m
      cross join lateral (select * from webhook_endpoints where id = d.endpoint_id) e) j)`;

/** What the claim and the successor lease return of each delivery they take (beside its id): what sending it needs,
 *  and where the row they wrote is (recording the attempt finds it there). */
const JOB_COLUMNS = ['attempt_count', 'ordering_key', 'org_id', 'message_id', 'endpoint_id'];
const jobColumns = (table: string) => sql.raw([`${table}.ctid::text as row_position`, ...JOB_COLUMNS.map((c) => `${table}.${c}`)].join(', '));

function jobsOf(json: string, leaseUntil: Date): Array<{ lease: ClaimedRow; job: DeliveryJob }> {
  const rows = JSON.parse(json) as DeliveryJobJson[];
  return rows.map((r) => ({
    lease: { id: r.delivery_id, leaseUntil },
    job: {
      deliveryId: r.delivery_id,
      rowPosition: r.row_position,
      attemptCount: Number(r.attempt_count),
      orderingKey: r.ordering_key,
      orgId: r.org_id,
      environment: r.environment,
      messageId: r.message_id,
      eventType: r.event_type,
      body: r.body,
      endpointId: r.endpoint_id,
      url: r.url,
      enabled: r.enabled,
      secretBlob: r.secret_blob,
      previousSecretBlob: r.previous_secret_blob,
      previousSecretExpiresAt: dateOrNull(r.previous_secret_expires_at),
      failingSince: dateOrNull(r.failing_since),
      traceparent: r.traceparent,
    },
  }));
}

export interface AttemptRecord {
  id: string;
  orgId: string;
  deliveryId: string;
  endpointId: string;
  messageId: string;
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  responseSnippet: string | null;
  error: string | null;
  at: Date;
}

export interface DeliveryOutcome {
  status: 'pending' | 'succeeded' | 'failed';
  attemptCount: number;
  lastStatusCode: number | null;
  nextAttemptAt: Date | null;
}

export interface Completion {
  lease: ClaimedRow;
  /** DeliveryJob.rowPosition. */
  rowPosition: string;
  endpointId: string;
  orderingKey: string;
  outcome: DeliveryOutcome;
  attempt: AttemptRecord;
}

/** A batch of completions as the statement's one JSON parameter. */
function completionsJson(completions: Completion[]): string {
  return JSON.stringify(
    completions.map(({ lease, rowPosition, endpointId, orderingKey, outcome, attempt: a }) => ({
      id: lease.id,
      row_position: rowPosition,
      lease_until: lease.leaseUntil.toISOString(),
      endpoint_id: endpointId,
      ordering_key: orderingKey,
      status: outcome.status,
      attempt_count: outcome.attemptCount,
      last_status_code: outcome.lastStatusCode,
      next_attempt_at: outcome.nextAttemptAt?.toISOString() ?? null,
      attempt_id: a.id,
      org_id: a.orgId,
      message_id: a.messageId,
      attempt: a.attempt,
      status_code: a.statusCode,
      duration_ms: a.durationMs,
      response_snippet: a.responseSnippet,
      error: a.error,
      attempted_at: a.at.toISOString(),
    })),
  );
}

/** Recording a batch of completions, as common table expressions (see the design note at the top of this file). */
function completionCtes(): SQL {
  return sql`input as materialized (
      select * from jsonb_to_recordset(${round.completions}::jsonb) as x(
        id text, row_position tid, lease_until timestamptz, endpoint_id text, ordering_key text, status text, attempt_count int,
        last_status_code int, next_attempt_at timestamptz, attempt_id text, org_id text, message_id text, attempt int,
        status_code int, duration_ms int, response_snippet text, error text, attempted_at timestamptz)
    ), moved as (
      update webhook_deliveries d
      set status = i.status, attempt_count = i.attempt_count, last_status_code = i.last_status_code,
          next_attempt_at = i.next_attempt_at, lease_until = null, updated_at = i.attempted_at
      from input i
      where d.ctid = any(array(select row_position from input)) and d.id = i.id and d.lease_until = i.lease_until
      returning d.id, d.endpoint_id, d.ordering_key, d.status
    ), logged as (
      -- Every attempt made is logged, held or not, unless its delivery is gone (its endpoint was deleted meanwhile).
      insert into webhook_attempts (id, org_id, delivery_id, endpoint_id, message_id, attempt, status_code, duration_ms, response_snippet, error, created_at)
      select attempt_id, org_id, id, endpoint_id, message_id, attempt, status_code, duration_ms, response_snippet, error, attempted_at from input i
      -- (Arrays, not IN/EXISTS: the planner would hash a scan of every delivery for the second test; an array is
      -- computed on first use, by primary key, and only when an attempt was not held.)
      where i.id = any(array(select id from moved))
         or i.id = any(array(select d.id from webhook_deliveries d where d.id = any(array(select id from input))))
    ), next_up as (
      select waiting.ctid, row_number() over () as place from moved m
      cross join lateral (
        select w.ctid from webhook_deliveries w
        where w.endpoint_id = m.endpoint_id and w.ordering_key = m.ordering_key and w.status = 'pending' and w.next_attempt_at is null
          and w.lease_until is null
        order by w.seq limit 1
      ) waiting
      where m.status <> 'pending'
    ), promoted as (
      update webhook_deliveries d set next_attempt_at = ${round.now}
      where d.ctid = any(array(select ctid from next_up where place > ${round.limit}))
    ), promoted_leased as (
      update webhook_deliveries d set lease_until = ${round.leaseUntil}
      where d.ctid = any(array(select ctid from next_up where place <= ${round.limit}))
      returning d.id, ${jobColumns('d')}
    )`;
}

const heldIdsJson = sql`(select coalesce(json_agg(id), '[]') from moved)`;

export interface ClaimRequest {
  now: Date;
  leaseMs: number;
  limit: number;
}

/** Claims up to `limit` deliverable deliveries and reads what sending them takes, in one round trip. */
export async function claimDueDeliveriesAcrossOrgs(ex: Executor, options: ClaimRequest): Promise<Array<{ lease: ClaimedRow; job: DeliveryJob }>> {
  return (await completeAndClaimAcrossOrgs(ex, [], options)).claimed;
}

/** Logs attempts and moves each delivery on if its worker still holds the lease. Returns the ids whose lease was
 *  held. Used inside the transactions of failed attempts; successes go through completeAndClaimAcrossOrgs in batches. */
export async function completeAttempts(ex: Executor, completions: Completion[], now: Date): Promise<Set<string>> {
  return (await completeAndClaimAcrossOrgs(ex, completions, { now, leaseMs: 0, limit: 0 })).held;
}

/** The round's values: placeholders, filled on each run, so each variant of its text is built once. */
const round = {
  completions: sql.placeholder('completions'),
  now: sql`${sql.placeholder('now')}::timestamptz`,
  leaseUntil: sql`${sql.placeholder('leaseUntil')}::timestamptz`,
  limit: sql`${sql.placeholder('limit')}::int`,
};

interface RoundStatement {
  name: string;
  sql: string;
  params: unknown[];
}

const roundStatements = new Map<string, RoundStatement>();
const dialect = new PgDialect();

/** The round's text for one variant (recording, claiming, both): rendered once per process, prepared once per
 *  connection; building and rendering it anew for every round cost the worker's thread ~4% of its busy time. */
function roundStatement(completing: boolean, claiming: boolean): RoundStatement {
  const name = `webhook_round_${completing ? 'record' : ''}${claiming ? 'claim' : ''}`;
  let statement = roundStatements.get(name);
  if (!statement) {
    const claimCte = claimCteWith(deliveryLeases, round, {
      where: deliverableCondition,
      alreadyLeased: sql`select count(*) from promoted_leased`,
      returning: jobColumns('webhook_deliveries'),
    });
    // Without completions the claim still reads promoted_leased: an empty stand-in keeps one statement shape.
    const ctes = [
      completing ? completionCtes() : sql`promoted_leased as (select d.id, ${jobColumns('d')} from webhook_deliveries d where false)`,
      ...(claiming ? [claimCte] : []),
    ];
    const query = dialect.sqlToQuery(sql`
      with ${sql.join(ctes, sql`, `)}
      select ${completing ? heldIdsJson : sql`'[]'`}::text as held, ${claiming ? claimedJobsJson : sql`'[]'`}::text as jobs`);
    statement = { name, sql: query.sql, params: query.params };
    roundStatements.set(name, statement);
  }
  return statement;
}

/** A worker's round trip: records a batch of finished attempts and claims the next deliveries, across orgs, in one
 *  statement. Deliveries promoted by this batch are not yet visible to its own claim (one snapshot per statement);
 *  the next round takes them. */
export async function completeAndClaimAcrossOrgs(
  ex: Executor,
  completions: Completion[],
  claim: ClaimRequest,
): Promise<{ held: Set<string>; claimed: Array<{ lease: ClaimedRow; job: DeliveryJob }> }> {
  const completing = completions.length > 0;
  const claiming = claim.limit > 0;
  if (!completing && !claiming) return { held: new Set(), claimed: [] };
  const statement = roundStatement(completing, claiming);
  const leaseUntil = new Date(claim.now.getTime() + claim.leaseMs);
  const params = fillPlaceholders(statement.params, {
    completions: completing ? completionsJson(completions) : '[]',
    now: claim.now.toISOString(),
    leaseUntil: leaseUntil.toISOString(),
    limit: Math.max(0, claim.limit),
  });
  const result = await executePrepared(ex, statement.name, { sql: statement.sql, params });
  const row = rowsOf<{ held: string; jobs: string }>(result)[0];
  return { held: new Set(JSON.parse(row.held) as string[]), claimed: claiming ? jobsOf(row.jobs, leaseUntil) : [] };
}

/** Ends a held delivery without an attempt (its endpoint was disabled meanwhile). */
export async function failHeldDelivery(ex: Executor, lease: ClaimedRow, now: Date): Promise<void> {
  await ex.execute(sql`
    update webhook_deliveries set status = 'failed', next_attempt_at = null, lease_until = null, updated_at = ${timestampAt(now)}
    where ${holdsLease(deliveryLeases, lease)}`);
}

export interface QueueStats {
  pending: number;
  oldestPendingAt: Date | null;
}

/** Queue depth and the oldest pending message over every org (the metrics' gauges). */
export async function readQueueStatsAcrossOrgs(ex: Executor): Promise<QueueStats> {
  const result = await ex.execute(sql`
    select count(*)::int as pending, min(m.created_at) as oldest
    from webhook_deliveries d join webhook_messages m on m.id = d.message_id
    where d.status = 'pending'`);
  const row = rowsOf<{ pending: number; oldest: string | Date | null }>(result)[0];
  return { pending: Number(row?.pending ?? 0), oldestPendingAt: row?.oldest ? new Date(row.oldest) : null };
}

