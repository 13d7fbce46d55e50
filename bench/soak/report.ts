// The soak's verdict from what it counted: requests by status, 5xx by cause, webhook events recorded against
// received, and each process's resident memory over time. Pure functions of the figures, printed as text and JSON.
import type { RssSample, SoakRole } from './cluster.ts';
import type { RequestTally } from './http.ts';
import type { RecordedMessage } from './traffic.ts';

export interface WebhookFigures {
  /** Messages the API lists with a delivery to make (status other than `none`). */
  created: number;
  byStatus: Record<string, number>;
  /** Distinct event ids the receiver verified. */
  received: number;
  /** Verified deliveries beyond the first of an id. */
  duplicates: number;
  /** Created, never received (ids of the first few). */
  lost: string[];
  invalidSignatures: number;
  /** Received ids the API does not list (should be none). */
  unknown: number;
}

export function webhookFigures(messages: RecordedMessage[], receivedById: ReadonlyMap<string, number>, invalidSignatures: number): WebhookFigures {
  const toDeliver = messages.filter((m) => m.status !== 'none');
  const byStatus: Record<string, number> = {};
  for (const m of messages) byStatus[m.status] = (byStatus[m.status] ?? 0) + 1;
  const listed = new Set(messages.map((m) => m.id));
  let duplicates = 0;
  let unknown = 0;
  for (const [id, times] of receivedById) {
    duplicates += times - 1;
    if (!listed.has(id)) unknown++;
  }
  return {
    created: toDeliver.length,
    byStatus,
    received: receivedById.size,
    duplicates,
    lost: toDeliver.filter((m) => !receivedById.has(m.id)).map((m) => m.id),
    invalidSignatures,
    unknown,
  };
}

export interface RssFigures {
  role: SoakRole;
  /** Processes sampled (more than one for the worker that is killed and restarted). */
  processes: number;
  samples: number;
  firstMb: number;
  lastMb: number;
  maxMb: number;
  /** Least-squares slope over the measured window (after the warm-up, while traffic ran), MB per minute; for the
   *  killed worker, within its longest-lived process. */
  slopeMbPerMin: number;
  /** The slope times the window's length: growth over the window by the fitted line, MB. Less noisy than the
   *  difference of two samples, which garbage collection moves by tens of MB either way. */
  fittedGrowthMb: number;
  /** Minutes the slope is measured over. */
  windowMinutes: number;
}

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** Least-squares slope of y (kB) over x (ms), in MB per minute; 0 with fewer than two points. */
export function slopeMbPerMinute(points: Array<{ atMs: number; rssKb: number }>): number {
  if (points.length < 2) return 0;
  const mx = mean(points.map((p) => p.atMs));
  const my = mean(points.map((p) => p.rssKb));
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.atMs - mx) * (p.rssKb - my);
    den += (p.atMs - mx) ** 2;
  }
  if (den === 0) return 0;
  return ((num / den) * 60_000) / 1024;
}

/** The measured window: from the end of the warm-up to the end of the traffic, in the samples' time base. */
export interface RssWindow {
  fromMs: number;
  toMs: number;
}

export function rssFigures(samples: RssSample[], role: SoakRole, window: RssWindow): RssFigures | null {
  const own = samples.filter((s) => s.role === role);
  if (own.length === 0) return null;
  const pids = [...new Set(own.map((s) => s.pid))];
  const inWindow = (s: RssSample) => s.atMs >= window.fromMs && s.atMs <= window.toMs;
  // The process sampled longest in the window stands for the role (the only one, except for the killed worker).
  const measured = pids.map((pid) => own.filter((s) => s.pid === pid && inWindow(s))).sort((a, b) => b.length - a.length)[0];
  const windowMinutes = measured.length >= 2 ? (measured[measured.length - 1].atMs - measured[0].atMs) / 60_000 : 0;
  const slope = slopeMbPerMinute(measured);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    role,
    processes: pids.length,
    samples: own.length,
    firstMb: mb(own[0].rssKb),
    lastMb: mb(own[own.length - 1].rssKb),
    maxMb: mb(Math.max(...own.map((s) => s.rssKb))),
    slopeMbPerMin: round(slope),
    fittedGrowthMb: round(slope * windowMinutes),
    windowMinutes: round(windowMinutes),
  };
}

export interface CauseCount {
  kind: string;
  status: number;
  cause: string;
  count: number;
  example: string;
}

export interface SoakReport {
  minutes: number;
  requests: number;
  requestsPerSecond: number;
  byKindAndStatus: Record<string, Record<string, number>>;
  failuresByCause: CauseCount[];
  refusalsByCause: CauseCount[];
  flows: Record<string, number>;
  workerKills: number;
  /** Kills at a moment when the receiver held a delivery (of either worker) unanswered. */
  killsWithDeliveriesInFlight: number;
  webhooks: WebhookFigures;
  rss: RssFigures[];
  /** Error-level log lines per role (pino level ≥ 50), with the distinct messages. */
  errorLogs: Record<string, { lines: number; messages: string[] }>;
  thresholds: { maxRssGrowthMb: number; gatedRoles: SoakRole[] };
  /** Processes that exited on their own during the run. */
  crashes: Array<{ role: SoakRole; pid: number | undefined; code: number | null; signal: string | null }>;
  failures: string[];
}

export function tallyFigures(tally: RequestTally) {
  const byKindAndStatus: Record<string, Record<string, number>> = {};
  for (const [kind, statuses] of tally.byKind) {
    byKindAndStatus[kind] = Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0]).map(([status, n]) => [status === 0 ? 'no reply' : String(status), n]));
  }
  const byCause = (counts: Map<string, number>): CauseCount[] =>
    [...counts]
      .map(([key, count]) => {
        const [kind, status, cause] = key.split('|');
        return { kind, status: Number(status), cause, count, example: tally.examples.get(key) ?? '' };
      })
      .sort((a, b) => b.count - a.count);
  return { byKindAndStatus, failuresByCause: byCause(tally.failures), refusalsByCause: byCause(tally.refusals) };
}

/** Error-level lines (pino JSON, level ≥ 50) in a process's output, and their distinct messages. */
export function errorLogLines(output: string): { lines: number; messages: string[] } {
  const messages = new Set<string>();
  let lines = 0;
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((entry.level ?? 0) < 50) continue;
      lines++;
      messages.add(`${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message.slice(0, 160)}` : ''}`);
    } catch {
      // not a log line
    }
  }
  return { lines, messages: [...messages].slice(0, 10) };
}

/** What makes the run fail: a process that crashed, a lost or forged event, or memory growing past the threshold on a
 *  gated process. */
export function verdict(report: Omit<SoakReport, 'failures'>): string[] {
  const failures: string[] = [];
  for (const crash of report.crashes) failures.push(`${crash.role} (pid ${crash.pid}) exited on its own: code ${crash.code}, signal ${crash.signal}`);
  const w = report.webhooks;
  if (w.lost.length) failures.push(`${w.lost.length} webhook event(s) lost (never received): ${w.lost.slice(0, 5).join(', ')}`);
  if (w.invalidSignatures) failures.push(`${w.invalidSignatures} delivery(ies) failed signature verification`);
  for (const r of report.rss) {
    if (!report.thresholds.gatedRoles.includes(r.role)) continue;
    if (r.fittedGrowthMb > report.thresholds.maxRssGrowthMb) {
      failures.push(
        `${r.role} RSS grew ${r.fittedGrowthMb} MB over ${r.windowMinutes} min after the warm-up (${r.slopeMbPerMin} MB/min; threshold ${report.thresholds.maxRssGrowthMb} MB)`,
      );
    }
  }
  return failures;
}

export function printReport(report: SoakReport): void {
  const lines: string[] = [];
  lines.push('', `=== soak: ${report.minutes} min, ${report.requests} requests (${report.requestsPerSecond}/s), worker killed ${report.workerKills} time(s), ${report.killsWithDeliveriesInFlight} of them with deliveries in flight`);
  const all: Record<string, number> = {};
  for (const statuses of Object.values(report.byKindAndStatus)) for (const [status, n] of Object.entries(statuses)) all[status] = (all[status] ?? 0) + n;
  lines.push('', `requests by status (set-up and polling included): ${Object.entries(all).map(([s, n]) => `${s}: ${n}`).join(', ')}`);
  lines.push('', 'requests by kind and status:');
  for (const [kind, statuses] of Object.entries(report.byKindAndStatus)) {
    lines.push(`  ${kind.padEnd(14)} ${Object.entries(statuses).map(([s, n]) => `${s}: ${n}`).join(', ')}`);
  }
  lines.push('', '5xx (and no reply) by cause:');
  if (report.failuresByCause.length === 0) lines.push('  none');
  for (const f of report.failuresByCause) lines.push(`  ${String(f.count).padStart(5)}  ${f.kind} ${f.status || 'no reply'} ${f.cause}  (e.g. ${f.example})`);
  lines.push('', '4xx by cause:');
  if (report.refusalsByCause.length === 0) lines.push('  none');
  for (const f of report.refusalsByCause) lines.push(`  ${String(f.count).padStart(5)}  ${f.kind} ${f.status} ${f.cause}  (e.g. ${f.example})`);
  lines.push('', 'Link flows and imports:');
  for (const [outcome, n] of Object.entries(report.flows).sort()) lines.push(`  ${String(n).padStart(5)}  ${outcome}`);
  const w = report.webhooks;
  lines.push(
    '',
    `webhook events: created ${w.created} (by status ${JSON.stringify(w.byStatus)}), received ${w.received} distinct, ` +
      `lost ${w.lost.length}, duplicates ${w.duplicates}, bad signatures ${w.invalidSignatures}, unknown ids ${w.unknown}`,
  );
  lines.push(
    '',
    `RSS (MB; slope and fitted growth from the end of the warm-up to the end of the traffic; gated: ` +
      `${report.thresholds.gatedRoles.join(', ')}, fitted growth ≤ ${report.thresholds.maxRssGrowthMb} MB):`,
  );
  for (const r of report.rss) {
    lines.push(
      `  ${r.role.padEnd(14)} first ${r.firstMb}, last ${r.lastMb}, max ${r.maxMb}; slope ${r.slopeMbPerMin} MB/min, fitted growth ${r.fittedGrowthMb} ` +
        `over ${r.windowMinutes} min (${r.samples} samples${r.processes > 1 ? ` over ${r.processes} processes` : ''})`,
    );
  }
  lines.push('', 'error-level log lines:');
  for (const [role, logs] of Object.entries(report.errorLogs)) {
    lines.push(`  ${role.padEnd(14)} ${logs.lines}${logs.messages.length ? `: ${logs.messages.join(' | ')}` : ''}`);
  }
  lines.push('', report.failures.length ? `FAILED:\n${report.failures.map((f) => `  - ${f}`).join('\n')}` : 'PASSED: no event lost, no process crashed, memory within the threshold');
  console.log(lines.join('\n'));
}
