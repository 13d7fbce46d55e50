// A realtime relay worker in a process of its own, for the test that kills one (worker-process.test.ts): it opens
// its own pool on the database, builds what the relay needs from the same settings a worker node reads
// (DATABASE_URL, OFCONNECT_VAULT_KEYS, OFCONNECT_SANDBOX_URL), runs one relay with test-sized timings and prints
//   relay ready <workerId> <directory of this compiled script>
// then, whenever the sockets it holds change, `holding <connection ids, comma-separated>`. SIGTERM stops it
// cleanly (leases handed back); SIGKILL is the crash the test is about.
import path from 'node:path';
import { systemClock } from '../../src/platform/clock.ts';
import { loadConfig, publicOrigin } from '../../src/platform/config.ts';
import type { ServiceContext } from '../../src/platform/context.ts';
import { openDatabase } from '../../src/platform/db/database.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { urlPolicyAllowsPrivate } from '../../src/platform/outbound.ts';
import { createRateLimiters } from '../../src/platform/rate-limits.ts';
import { tracingOff } from '../../src/platform/tracing.ts';
import { createVault, parseVaultKeys } from '../../src/platform/vault.ts';
import { createRealtimeRelay } from '../../src/realtime/relay-worker.ts';
import { createUpstreamEnvironments } from '../../src/upstream/environments.ts';

const config = loadConfig({ role: 'worker' });
if (!config.databaseUrl || !config.vaultKeys || !config.sandboxUrl) throw new Error('relay-process needs DATABASE_URL, OFCONNECT_VAULT_KEYS and OFCONNECT_SANDBOX_URL');
const logger = createLogger('warn');
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: null, poolSize: 3 });
const upstreams = createUpstreamEnvironments({ sandboxUrl: config.sandboxUrl, liveUrl: config.liveUpstreamUrl, liveRulesSource: null, mayProxyThroughPrivateAddresses: urlPolicyAllowsPrivate(config), logger });
const ctx: ServiceContext = {
  config,
  logger,
  clock: systemClock,
  database,
  vault: createVault(parseVaultKeys(config.vaultKeys)),
  metrics: createMetrics(),
  tracing: tracingOff,
  rateLimiters: createRateLimiters({ redisUrl: null }),
  upstreams,
  publicOrigin: () => publicOrigin(config, 0),
};
const relay = createRealtimeRelay(ctx, {
  tickMs: 100,
  syncIntervalMs: 200,
  leaseMs: Number(process.env.RELAY_LEASE_MS ?? 3000),
  capacity: Number(process.env.RELAY_CAPACITY ?? 10_000),
  backoffBaseMs: 100,
  backoffMaxMs: 1000,
  quietMs: 60_000,
});
process.stdout.write(`relay ready ${relay.workerId} ${path.dirname(process.argv[1])}\n`);
let reported = '';
setInterval(() => {
  const holding = relay.heldConnections().sort().join(',');
  if (holding === reported) return;
  reported = holding;
  process.stdout.write(`holding ${holding}\n`);
}, 50);
process.once('SIGTERM', () => {
  void (async () => {
    await relay.stop();
    await upstreams.close();
    await database.close();
    process.exit(0);
  })();
});
