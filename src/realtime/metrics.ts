// Relay metrics on the service's registry: the sockets this process holds (and how many are open), frames received,
// events recorded, reconnects by why, and sockets recycled by why. The socket gauges are read from the relays at
// scrape time; several relays in one process (tests, benchmarks) are summed.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ServiceContext } from '../platform/context.ts';
import { oncePerRegistry } from '../platform/metrics.ts';

/** Why a socket was opened again: it failed (refused, closed by upstream, a network or handshake failure), or
 *  /users/me did not hand out credentials (any answer but a dead session). */
export type ReconnectReason = 'refused' | 'closed' | 'failed' | 'credentials';
/** Why the relay retired a working socket itself: quiet past the threshold (an expired token), or due for renewal. */
export type RecycleReason = 'quiet' | 'rotation';

export interface SocketCounts {
  held: number;
  open: number;
}

export interface RealtimeMetrics {
  framesReceived: Counter;
  eventsRecorded: Counter;
  reconnects: Counter<'reason'>;
  recycled: Counter<'reason'>;
  /** Counts a relay's sockets in the gauges until the returned function is called. */
  track(counts: () => SocketCounts): () => void;
}

/** One set per registry: several relays in one process share it. */
export function realtimeMetrics(ctx: ServiceContext): RealtimeMetrics {
  return realtimeMetricsOf(ctx.metrics.registry);
}

const realtimeMetricsOf = oncePerRegistry((registry: Registry): RealtimeMetrics => {
  const relays = new Set<() => SocketCounts>();
  const sum = (field: keyof SocketCounts) => [...relays].reduce((n, counts) => n + counts()[field], 0);
  new Gauge({
    name: 'ofconnect_realtime_sockets_held',
    help: 'Realtime sockets the relays of this process hold under lease (open, connecting or waiting to reconnect)',
    registers: [registry],
    collect() {
      this.set(sum('held'));
    },
  });
  new Gauge({
    name: 'ofconnect_realtime_sockets_open',
    help: 'Realtime sockets of this process that are open and acknowledged by upstream',
    registers: [registry],
    collect() {
      this.set(sum('open'));
    },
  });
  const metrics: RealtimeMetrics = {
    framesReceived: new Counter({
      name: 'ofconnect_realtime_frames_received_total',
      help: 'Content frames received on realtime sockets (heartbeat replies and control frames are not counted)',
      registers: [registry],
    }),
    eventsRecorded: new Counter({
      name: 'ofconnect_realtime_events_recorded_total',
      help: 'realtime.* and activity.* events recorded from frames (a frame another worker recorded first records none)',
      registers: [registry],
    }),
    reconnects: new Counter({
      name: 'ofconnect_realtime_reconnects_total',
      help: 'Realtime sockets scheduled to reconnect with backoff, by reason (refused, closed, failed, credentials = /users/me gave none)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    recycled: new Counter({
      name: 'ofconnect_realtime_sockets_recycled_total',
      help: 'Working realtime sockets the relay closed and reopened with a fresh token, by reason (quiet past the threshold, rotation)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    track(counts) {
      relays.add(counts);
      return () => relays.delete(counts);
    },
  };
  return metrics;
});
