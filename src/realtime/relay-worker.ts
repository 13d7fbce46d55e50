// The realtime relay: holds the OnlyFans websocket of every connection whose org opted in, spread over any number
// of workers by leases on realtime_sockets (store.ts). For each socket it holds, a worker:
//   - reads wsUrl and wsAuthToken from GET /users/me through the connection's session, user agent and proxy before
//     every connect (never a fixed shard; a fresh token each time);
//   - a dead session (SESSION_EXPIRED there) stops the relay and expires the connection once (connections/expire.ts);
//   - any other failure, a refusal ({"error":N}) or a closed socket reconnects with exponential backoff (1 s → 60 s);
//   - a socket quiet past quietMs is recycled (an expired token keeps the socket open and silent, §1.1), and one open
//     for rotateAfterMs is renewed early (tokens last about a day);
//   - sends a heartbeat every heartbeatMs, and records every content frame as events (record-frame.ts), in order
//     per connection.
// Leases are renewed every leaseMs / 3; a socket whose lease was taken over, or whose connection stopped
// qualifying, is closed. A worker that dies lets its leases run out and another takes its sockets over.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { markConnectionExpired } from '../connections/expire.ts';
import { proxyUrlOf } from '../connections/connection-settings.ts';
import { loadConnectionSession } from '../connections/session-vault.ts';
import * as connectionStore from '../connections/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { RunningWorker } from '../webhooks/worker.ts';
import { recordFrame, type RelayedConnection } from './record-frame.ts';
import { realtimeMetrics, type ReconnectReason } from './metrics.ts';
import * as store from './store.ts';
import { UpstreamSocket, type SocketEnd } from './upstream-socket.ts';

export interface RelayOptions {
  /** Sockets one worker holds at most (default 10,000). */
  capacity?: number;
  leaseMs?: number;
  /** The worker's timer: claims, heartbeats and quiet checks (default 1000 ms). */
  tickMs?: number;
  /** How often the sockets table is matched to the opted-in connections (default 10 s). */
  syncIntervalMs?: number;
  heartbeatMs?: number;
  /** A socket with no content frame for this long is recycled with a fresh token (default 300 s). */
  quietMs?: number;
  /** A socket is renewed with a fresh token after this long, before its token's day runs out (default 18 h). */
  rotateAfterMs?: number;
  handshakeTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** The most sockets opening at once (each open costs a /users/me call); default 50. */
  connectConcurrency?: number;
  workerId?: string;
}

export interface RealtimeRelay extends RunningWorker {
  readonly workerId: string;
  /** Connection ids of the sockets this worker holds (open or reconnecting). */
  heldConnections(): string[];
  /** Open, acknowledged sockets. */
  readonly openSockets: number;
  /** Frames received and events recorded by this worker (duplicates another worker recorded are not counted). */
  readonly framesReceived: number;
  readonly eventsRecorded: number;
  /** Runs one round now (tests). */
  tick(): Promise<void>;
  /** Dies the way a crashed process does: sockets dropped, leases left to run out (tests). */
  abandon(): void;
}

const DEFAULTS = {
  capacity: 10_000,
  leaseMs: 30_000,
  tickMs: 1000,
  syncIntervalMs: 10_000,
  heartbeatMs: 20_000,
  quietMs: 300_000,
  rotateAfterMs: 18 * 3_600_000,
  handshakeTimeoutMs: 10_000,
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
  connectConcurrency: 50,
};
const PRUNE_INTERVAL_MS = 3_600_000;
const PRUNE_BATCH = 5000;
const DAY_MS = 86_400_000;

interface QueuedFrame {
  connection: RelayedConnection;
  text: string;
  frame: Record<string, unknown>;
  receivedAt: Date;
}

/** The most frames one recording transaction takes. */
const RECORD_BATCH = 100;

interface Holding {
  claim: store.ClaimedSocket;
  connection: RelayedConnection | null;
  socket: UpstreamSocket | null;
  /** When to (re)connect; null while connecting or connected. */
  connectAt: Date | null;
  failures: number;
  dropped: boolean;
}

export function createRealtimeRelay(ctx: ServiceContext, options: RelayOptions = {}): RealtimeRelay {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & { workerId?: string };
  const workerId = o.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const db = ctx.database.db;
  const log = ctx.logger;
  const now = () => ctx.clock.now();
  const held = new Map<string, Holding>();
  let connecting = 0;
  let lastSyncAt = 0;
  let lastRenewAt = 0;
  let lastPruneAt = 0;
  let framesReceived = 0;
  let eventsRecorded = 0;
  let stopped = false;
  let round: Promise<void> = Promise.resolve();
  const queue: QueuedFrame[] = [];
  let draining: Promise<void> | null = null;
  const metrics = realtimeMetrics(ctx);

  function backoffMs(failures: number): number {
    const base = Math.min(o.backoffMaxMs, o.backoffBaseMs * 2 ** Math.max(0, failures - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  function drop(holding: Holding): void {
    holding.dropped = true;
    held.delete(holding.claim.connectionId);
    const socket = holding.socket;
    holding.socket = null;
    socket?.close();
  }

  /** Stops relaying a connection for good (until the sweep makes it due again). */
  async function stopRelaying(holding: Holding): Promise<void> {
    drop(holding);
    await store.releaseSocket(db, workerId, holding.claim.connectionId, null, 0);
  }

  function scheduleReconnect(holding: Holding, kind: ReconnectReason, reason: string): void {
    if (holding.dropped) return;
    metrics.reconnects.inc({ reason: kind });
    holding.socket = null;
    holding.failures += 1;
    const waitMs = backoffMs(holding.failures);
    holding.connectAt = new Date(now().getTime() + waitMs);
    log.debug({ connectionId: holding.claim.connectionId, failures: holding.failures, waitMs, reason }, 'realtime socket reconnecting');
    void store.recordSocketFailures(db, workerId, holding.claim.connectionId, holding.failures).catch(() => {});
  }

  async function loadConnection(claim: store.ClaimedSocket): Promise<connectionStore.ConnectionRow | undefined> {
    return connectionStore.findConnection(db, { orgId: claim.orgId, environment: claim.environment }, claim.connectionId);
  }

  async function connect(holding: Holding): Promise<void> {
    const { claim } = holding;
    const scope = { orgId: claim.orgId, environment: claim.environment };
    const row = await loadConnection(claim);
    if (!row || row.status !== 'active') return stopRelaying(holding);
    const session = await loadConnectionSession(db, ctx.vault, { orgId: claim.orgId, connectionId: claim.connectionId });
    if (!session) return stopRelaying(holding);
    holding.connection = {
      id: row.id,
      orgId: row.orgId,
      environment: row.environment,
      clientReferenceId: row.clientReferenceId,
      platformUserId: row.platformUserId,
    };
    const proxyUrl = proxyUrlOf(ctx, row);
    let credentials: { url: string; token: string };
    try {
      const profile = await ctx.upstreams.forEnvironment(row.environment).validateSession(session, { proxyUrl, signal: AbortSignal.timeout(o.handshakeTimeoutMs * 3) });
      const { wsUrl, wsAuthToken } = profile.raw;
      if (typeof wsUrl !== 'string' || typeof wsAuthToken !== 'string' || wsAuthToken === '') {
        throw new ApiError('UPSTREAM_ERROR', 'OnlyFans answered /users/me without wsUrl and wsAuthToken', { details: { reason: 'no_ws_credentials' } });
      }
      credentials = { url: wsUrl, token: wsAuthToken };
    } catch (error) {
      if (holding.dropped) return;
      if (error instanceof ApiError && error.type === 'SESSION_EXPIRED') {
        const flipped = await markConnectionExpired(ctx, scope, claim.connectionId);
        if (flipped) log.info({ connectionId: claim.connectionId, orgId: claim.orgId }, 'realtime relay found the session expired');
        return stopRelaying(holding);
      }
      return scheduleReconnect(holding, 'credentials', error instanceof Error ? error.message : 'users/me failed');
    }
    if (holding.dropped) return;
    const connection = holding.connection;
    try {
      const socket: UpstreamSocket = new UpstreamSocket({
        url: credentials.url,
        token: credentials.token,
        userAgent: session.userAgent,
        proxyUrl,
        policy: ctx.config,
        handshakeTimeoutMs: o.handshakeTimeoutMs,
        now,
        onFrame: (text, frame, receivedAt) => {
          framesReceived += 1;
          metrics.framesReceived.inc();
          holding.failures = 0;
          enqueueFrame({ connection, text, frame, receivedAt });
        },
        onEnd: (end: SocketEnd) => {
          // A socket the relay retired itself (recycled, dropped) ends quietly.
          if (holding.dropped || holding.socket !== socket) return;
          const reason = end.kind === 'refused' ? `refused (${String(end.code)})` : end.kind === 'closed' ? `closed (${end.code})` : end.message;
          scheduleReconnect(holding, end.kind, reason);
        },
      });
      holding.socket = socket;
    } catch (error) {
      scheduleReconnect(holding, 'failed', error instanceof Error ? error.message : 'could not open the socket');
    }
  }

  /**
   * Frames are recorded in arrival order by one queue per worker, as many as have arrived in one transaction: a
   * transaction per frame was the relay's bottleneck under load. A batch that fails is retried frame by frame, so one
   * bad frame costs only itself. Every recording transaction holds the realtime event-order lock (store.ts), which
   * lets the event stream read up to the newest committed event without skipping one that commits later.
   */
  function enqueueFrame(frame: QueuedFrame): void {
    queue.push(frame);
    if (!draining) draining = drainFrames().finally(() => (draining = null));
  }

  async function recordOne(f: QueuedFrame): Promise<void> {
    try {
      const recorded = (
        await db.transaction(async (tx) => {
          await store.lockRealtimeEventOrder(tx);
          return recordFrame(tx, f.connection, f.text, f.frame, f.receivedAt);
        })
      ).length;
      eventsRecorded += recorded;
      metrics.eventsRecorded.inc(recorded);
    } catch (error) {
      log.error({ err: error, connectionId: f.connection.id }, 'recording a realtime frame failed');
    }
  }

  async function drainFrames(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, RECORD_BATCH);
      try {
        const recorded = await db.transaction(async (tx) => {
          await store.lockRealtimeEventOrder(tx);
          let n = 0;
          for (const f of batch) n += (await recordFrame(tx, f.connection, f.text, f.frame, f.receivedAt)).length;
          return n;
        });
        eventsRecorded += recorded;
        metrics.eventsRecorded.inc(recorded);
      } catch {
        for (const f of batch) await recordOne(f);
      }
    }
  }

  function startConnecting(holding: Holding): void {
    holding.connectAt = null;
    connecting += 1;
    connect(holding)
      .catch((error: unknown) => {
        log.error({ err: error, connectionId: holding.claim.connectionId }, 'opening a realtime socket failed');
        scheduleReconnect(holding, 'failed', 'unexpected error');
      })
      .finally(() => {
        connecting -= 1;
      });
  }

  /** Heartbeats, quiet and rotation checks, and due (re)connects. */
  function tendSockets(at: Date): void {
    const t = at.getTime();
    for (const holding of held.values()) {
      const socket = holding.socket;
      if (socket?.isOpen) {
        const quietFor = t - (socket.lastFrameAt ?? socket.connectedAt ?? at).getTime();
        const isQuiet = quietFor >= o.quietMs;
        if (isQuiet || t - (socket.connectedAt as Date).getTime() >= o.rotateAfterMs) {
          // Recycle: a fresh token right away, not a failure.
          metrics.recycled.inc({ reason: isQuiet ? 'quiet' : 'rotation' });
          holding.socket = null;
          socket.close();
          holding.connectAt = at;
          continue;
        }
        if (t - (socket.lastHeartbeatAt ?? socket.connectedAt ?? at).getTime() >= o.heartbeatMs) socket.heartbeat();
      }
      if (holding.connectAt && holding.connectAt.getTime() <= t && connecting < o.connectConcurrency) startConnecting(holding);
    }
  }

  async function renew(at: Date): Promise<void> {
    const states = [...held.values()].map((h) => ({
      connectionId: h.claim.connectionId,
      connectedAt: h.socket?.connectedAt ?? null,
      lastFrameAt: h.socket?.lastFrameAt ?? null,
    }));
    const kept = await store.renewSocketLeasesOfEveryOrg(db, workerId, states, at, o.leaseMs);
    for (const holding of [...held.values()]) {
      if (!kept.has(holding.claim.connectionId)) {
        log.info({ connectionId: holding.claim.connectionId }, 'realtime socket no longer held here (lease lost or relaying stopped)');
        drop(holding);
      }
    }
  }

  async function claim(at: Date): Promise<void> {
    const claimed = await store.claimSocketsOfEveryOrg(db, { workerId, now: at, leaseMs: o.leaseMs, limit: Math.min(o.capacity - held.size, 1000) });
    for (const c of claimed) {
      // Its own socket, claimed again after its lease ran out before a renewal (a stalled round): keep the socket
      // it has instead of opening a second one beside it.
      const existing = held.get(c.connectionId);
      if (existing) {
        existing.claim = c;
        continue;
      }
      const holding: Holding = { claim: c, connection: null, socket: null, connectAt: at, failures: c.failures, dropped: false };
      // A socket that failed before waits out its backoff here too.
      if (c.failures > 0) holding.connectAt = new Date(at.getTime() + backoffMs(c.failures));
      held.set(c.connectionId, holding);
    }
  }

  async function runRound(): Promise<void> {
    const at = now();
    const t = at.getTime();
    if (t - lastSyncAt >= o.syncIntervalMs) {
      lastSyncAt = t;
      await store.syncRelayedConnectionsOfEveryOrg(db, at);
    }
    if (t - lastRenewAt >= o.leaseMs / 3) {
      lastRenewAt = t;
      await renew(at);
    }
    if (held.size < o.capacity) await claim(at);
    tendSockets(at);
    if (t - lastPruneAt >= PRUNE_INTERVAL_MS) {
      lastPruneAt = t;
      await store.pruneFrameKeysOfEveryOrg(db, new Date(t - ctx.config.webhookLogRetentionDays * DAY_MS), PRUNE_BATCH);
    }
  }

  function tick(): Promise<void> {
    if (stopped) return round;
    round = round.then(runRound).catch((error: unknown) => log.error({ err: error }, 'realtime relay round failed; retrying on the next tick'));
    return round;
  }

  const timer = setInterval(() => void tick(), o.tickMs);
  timer.unref();
  const untrack = metrics.track(() => {
    let open = 0;
    for (const h of held.values()) if (h.socket?.isOpen) open += 1;
    return { held: held.size, open };
  });

  return {
    workerId,
    tick,
    heldConnections: () => [...held.keys()],
    get openSockets() {
      let n = 0;
      for (const h of held.values()) if (h.socket?.isOpen) n += 1;
      return n;
    },
    get framesReceived() {
      return framesReceived;
    },
    get eventsRecorded() {
      return eventsRecorded;
    },
    abandon() {
      stopped = true;
      clearInterval(timer);
      untrack();
      for (const holding of [...held.values()]) drop(holding);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      untrack();
      await round;
      const holdings = [...held.values()];
      for (const holding of holdings) drop(holding);
      await draining;
      // Handed back due now: another worker takes them at once instead of waiting out the lease.
      await Promise.allSettled(holdings.map((h) => store.releaseSocket(db, workerId, h.claim.connectionId, now(), h.failures)));
    },
  };
}

/** The relay of a running service. */
export function startRealtimeRelay(ctx: ServiceContext, options: RelayOptions = {}): RealtimeRelay {
  const relay = createRealtimeRelay(ctx, options);
  void relay.tick();
  return relay;
}
