// `npm run soak -- --minutes N`: the service as separate processes on a fresh PostgreSQL database (an api node, two
// workers, one shared OnlyFans simulator) under steady Access, Link and webhook traffic for N minutes, with 10% of
// upstream requests failing (500, 503, reset, 429, slow) and one worker killed with SIGKILL and restarted every
// ~30 s. Then it waits for the webhook backlog to drain and reports: requests by status, 5xx by cause, webhook events
// recorded vs received, and each process's RSS over time. Exits 1 if a process crashed, an event was lost (or arrived
// unsigned) or a long-lived process's RSS grew past the threshold after its warm-up.
// Options: --minutes (2), --connections (6 long-lived connections), --kill-every-seconds (30),
// --max-rss-growth-mb (48), --json (also print the report as JSON). OFCONNECT_SOAK_POSTGRES_URL: the admin URL of
// the PostgreSQL server to create the database on (default the tests' local one).
import { parseArgs } from 'node:util';
import { startSoakCluster, type SoakRole } from './cluster.ts';
import { RequestTally, SoakHttp } from './http.ts';
import { startWebhookReceiver } from './receiver.ts';
import { errorLogLines, printReport, rssFigures, tallyFigures, verdict, webhookFigures, type RssFigures, type SoakReport } from './report.ts';
import { createSteadyConnections, listMessages, prepareOrg, runAccessLoop, runLinkLoop, runManagementLoop, type FlowOutcomes } from './traffic.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    connections: { type: 'string', default: '6' },
    'kill-every-seconds': { type: 'string', default: '30' },
    'max-rss-growth-mb': { type: 'string', default: '48' },
    json: { type: 'boolean', default: false },
  },
});
const minutes = Number(values.minutes);
const connectionCount = Number(values.connections);
const killEveryMs = Number(values['kill-every-seconds']) * 1000;
const maxRssGrowthMb = Number(values['max-rss-growth-mb']);
if (!(minutes > 0) || !Number.isInteger(connectionCount) || connectionCount < 1 || !(killEveryMs > 0) || !(maxRssGrowthMb > 0)) {
  console.error('usage: npm run soak -- [--minutes 2] [--connections 6] [--kill-every-seconds 30] [--max-rss-growth-mb 48] [--json]');
  process.exit(2);
}

const SAMPLE_EVERY_MS = 10_000;
/** The receiver answers each delivery within this (at random), so kills often land while deliveries are in flight. */
const RECEIVER_MAX_DELAY_MS = 1000;
/** How long a due kill waits for a delivery to be in flight. */
const KILL_WAIT_FOR_DELIVERY_MS = 5000;
/** Leases of the webhook and monitor work: a killed worker's claims come back within this. */
const LEASE_MS = 10_000;
/** After the traffic stops: how long every recorded event gets to arrive (a lease, a retry and the backlog). */
const DRAIN_TIMEOUT_MS = 120_000;
/** Memory is measured from this long after the traffic starts: start-up, JIT and caches filling are not a leak. */
const WARMUP_MS = Math.max(30_000, minutes * 60_000 * 0.2);
/** Only the ofconnect processes that live through the whole run are gated (the simulator is a test fixture that
 *  keeps every account, message and list it is asked to create). */
const GATED_ROLES: SoakRole[] = ['api', 'worker-steady'];

/** 10% of upstream requests fail, in this mix. The simulator applies faults in order, first match wins, so each is
 *  given its share of what the ones before it let through. */
const FAULT_MIX: Array<{ kind: '500' | '503' | 'reset' | '429' | 'latency'; share: number; latencyMs?: number; retryAfterSeconds?: number }> = [
  { kind: '500', share: 0.03 },
  { kind: '503', share: 0.03 },
  { kind: 'reset', share: 0.02 },
  { kind: '429', share: 0.01, retryAfterSeconds: 1 },
  { kind: 'latency', share: 0.01, latencyMs: 1500 },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function injectFaults(http: SoakHttp, simulatorUrl: string): Promise<void> {
  let untouched = 1;
  for (const fault of FAULT_MIX) {
    const { share, ...spec } = fault;
    const reply = await http.send('set-up', 'POST', `${simulatorUrl}/_sandbox/faults`, { json: { ...spec, probability: share / untouched } });
    if (reply.status !== 200) throw new Error(`injecting a ${fault.kind} fault failed: ${reply.status} ${reply.text}`);
    untouched -= share;
  }
}

/** Kills the worker every killEveryMs ± 30%, at a moment when the receiver holds a delivery unanswered if one comes
 *  within a few seconds (it may be the other worker's: the receiver cannot tell). Returns, per kill, how many
 *  deliveries were in flight. */
async function runKiller(kill: () => Promise<void>, inFlight: () => number, stopAt: number): Promise<number[]> {
  const inFlightAtKills: number[] = [];
  for (;;) {
    const wait = killEveryMs * (0.7 + Math.random() * 0.6);
    if (Date.now() + wait + KILL_WAIT_FOR_DELIVERY_MS >= stopAt) return inFlightAtKills;
    await sleep(wait);
    const latest = Date.now() + KILL_WAIT_FOR_DELIVERY_MS;
    while (inFlight() === 0 && Date.now() < latest) await sleep(20);
    inFlightAtKills.push(inFlight());
    await kill();
  }
}

const receiver = await startWebhookReceiver({ maxReplyDelayMs: RECEIVER_MAX_DELAY_MS });
console.log(`soak: starting the simulator, an api node and two workers on a fresh PostgreSQL database`);
const cluster = await startSoakCluster({ sampleEveryMs: SAMPLE_EVERY_MS, leaseMs: LEASE_MS, monitorIntervalMinutes: 2 });
// Ctrl-C reaches the children too (one process group): stop them all and drop the database rather than leave it.
process.once('SIGINT', () => {
  console.log('soak: interrupted; stopping the processes and dropping the database');
  void cluster.close().finally(() => process.exit(130));
});
const tally = new RequestTally();
const http = new SoakHttp(cluster.apiUrl, tally);
let exitCode = 1;
try {
  const org = await prepareOrg(http, cluster.adminKey, receiver.url);
  receiver.useSecret(org.secret);
  const steady = await createSteadyConnections(http, org, connectionCount);
  await injectFaults(http, cluster.simulatorUrl);
  const setUpRequests = tally.total();
  const startedAt = Date.now();
  const trafficFromMs = cluster.elapsedMs();
  const stopAt = startedAt + minutes * 60_000;
  console.log(`soak: api ${cluster.apiUrl}, simulator ${cluster.simulatorUrl}; ${connectionCount} connections, 10% upstream faults, traffic for ${minutes} min`);

  const flows: FlowOutcomes = new Map();
  const [inFlightAtKills] = await Promise.all([
    runKiller(() => cluster.killAndRestartWorker(), () => receiver.inFlight(), stopAt),
    ...steady.map((connection) => runAccessLoop(http, org, connection, { stopAt, periodMs: 1000, writeShare: 0.1 })),
    runLinkLoop(http, org, cluster.simulatorUrl, flows, { stopAt, periodMs: 3000 }),
    runManagementLoop(http, org, steady, { stopAt, periodMs: 10_000 }),
  ]);
  const trafficSeconds = (Date.now() - startedAt) / 1000;
  const rssWindow = { fromMs: trafficFromMs + WARMUP_MS, toMs: cluster.elapsedMs() };
  const trafficRequests = tally.total() - setUpRequests;
  await http.send('set-up', 'DELETE', `${cluster.simulatorUrl}/_sandbox/faults`);

  console.log('soak: traffic stopped; waiting for every recorded webhook event to arrive');
  const drainUntil = Date.now() + DRAIN_TIMEOUT_MS;
  let webhooks = webhookFigures(await listMessages(http, org.adminKey), receiver.receivedById, receiver.invalidSignatures());
  while (webhooks.lost.length > 0 && Date.now() < drainUntil) {
    await sleep(1000);
    webhooks = webhookFigures(await listMessages(http, org.adminKey), receiver.receivedById, receiver.invalidSignatures());
  }

  const crashes = cluster.unexpectedExits();
  await cluster.close();
  const errorLogs: SoakReport['errorLogs'] = {};
  for (const { role, proc } of cluster.processes()) {
    const found = errorLogLines(proc.output());
    const seen = errorLogs[role] ?? { lines: 0, messages: [] };
    errorLogs[role] = { lines: seen.lines + found.lines, messages: [...new Set([...seen.messages, ...found.messages])].slice(0, 10) };
  }
  const roles: SoakRole[] = ['api', 'worker-steady', 'worker-killed', 'simulator'];
  const partial: Omit<SoakReport, 'failures'> = {
    minutes,
    requests: trafficRequests,
    requestsPerSecond: Math.round((trafficRequests / trafficSeconds) * 10) / 10,
    ...tallyFigures(tally),
    flows: Object.fromEntries(flows),
    workerKills: cluster.kills(),
    killsWithDeliveriesInFlight: inFlightAtKills.filter((n) => n > 0).length,
    webhooks,
    rss: roles.map((role) => rssFigures(cluster.samples, role, rssWindow)).filter((r): r is RssFigures => r !== null),
    errorLogs,
    thresholds: { maxRssGrowthMb, gatedRoles: GATED_ROLES },
    crashes,
  };
  const report: SoakReport = { ...partial, failures: verdict(partial) };
  printReport(report);
  if (values.json) console.log(`\n=== soak report (JSON)\n${JSON.stringify({ ...report, samples: cluster.samples }, null, 2)}`);
  exitCode = report.failures.length ? 1 : 0;
} finally {
  await cluster.close().catch((error: unknown) => console.error('soak: stopping the processes failed', error));
  await http.close();
  await receiver.close();
}
process.exit(exitCode);
