// MCP benchmark (issue #23): what a tool call costs over the HTTP route it runs through. Measured in one run with
// autocannon, against a fixed-response upstream in its own process (as OnlyFans would be elsewhere):
//   (a) GET /v2/access/self over HTTP (the route an SDK calls),
//   (b) POST /v2/mcp tools/call self_get (the same route, in process, behind the MCP server and its transport).
// Only the ratio b/a and the added latency are compared. Standalone: `node bin/run-ts.js bench/mcp.ts`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { request } from 'undici';
import { loadConfig } from '../src/platform/config.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { createLogger } from '../src/platform/logger.ts';
import { packageRoot } from '../src/platform/package-root.ts';
import { generateVaultKeySpec } from '../src/platform/vault.ts';
import { startService } from '../src/service.ts';
import { BENCH_USER_ID, startFixedUpstream } from './fixed-upstream.ts';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';


interface Measurement {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}


/** autocannon in its own process, with a method and body (bench/autocannon.ts sends GETs). */
function autocannon(url: string, headers: Record<string, string>, seconds: number, body?: string): Promise<Record<string, any>> {
  const args = [path.join(packageRoot(), 'node_modules/autocannon/autocannon.js'), '-j', '-c', String(CONNECTIONS), '-d', String(seconds)];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  if (body !== undefined) args.push('-m', 'POST', '-b', body);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon exited with ${code}`))));
  });
}

async function measure(label: string, url: string, headers: Record<string, string>, body?: string): Promise<Measurement> {
  if (WARMUP_S > 0) await autocannon(url, headers, WARMUP_S, body);
  const result = await autocannon(url, headers, DURATION_S, body);
  const m: Measurement = {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
  console.log(`${label.padEnd(30)} ${String(m.requestsPerSecond).padStart(7)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms  non2xx ${m.non2xx}  errors ${m.errors}`);
  return m;
}

const SEQUENTIAL_CALLS = Number(process.env.BENCH_SEQUENTIAL_CALLS ?? 500);

/** CPU milliseconds of this process per call, over SEQUENTIAL_CALLS calls made one after another (after 50 unmeasured). */
async function cpuMsPerCall(send: () => Promise<{ statusCode: number; body: { text(): Promise<string> } }>): Promise<number> {
  const once = async () => {
    const res = await send();
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`unexpected ${res.statusCode}`);
  };
  for (let i = 0; i < 50; i++) await once();
  const start = process.cpuUsage();
  for (let i = 0; i < SEQUENTIAL_CALLS; i++) await once();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / SEQUENTIAL_CALLS;
}

let wasCalled = false;

export async function runMcpBenchmark(): Promise<Record<string, unknown>> {
  wasCalled = true;
  const upstream = await startFixedUpstream({ about: 'A benchmark account' });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ofc-bench-mcp-'));
  const config = loadConfig(
    { port: 0, host: '127.0.0.1', dataDir, vaultKeys: generateVaultKeySpec('bench'), logLevel: 'warn', sandboxUrl: upstream.url, role: 'api' },
    {},
  );
  const database = await openDatabase({ databaseUrl: null, dataDir: null });
  const service = await startService({ config, database, logger: createLogger('warn') });
  try {
    const boot = service.bootstrap;
    if (!boot?.created) throw new Error('expected a first-start bootstrap on the fresh benchmark database');
    const { apiKey } = boot;
    const imported = await request(`${service.url}/v2/account/connections/import`, {
      method: 'POST',
      headers: { apikey: apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ cookie: `sess=benchsession0123456789abcd; auth_id=${BENCH_USER_ID}; fp=${'a'.repeat(40)}`, userAgent: USER_AGENT }),
    });
    const connectionId = String(((await imported.body.json()) as { id: string }).id);
    // Pacing stays on, with a bucket the load generator cannot empty (as bench/access.ts does).
    await database.db.execute(
      sql`update connections set settings = jsonb_set(coalesce(settings, '{}'::jsonb), '{pacing}', '{"requestsPerMinute": 100000000, "burst": 100000000, "concurrency": 1000}') where id = ${connectionId}`,
    );
    const headers = { apikey: apiKey, 'x-connection-id': connectionId };
    console.log(`autocannon: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s per target`);
    const http = await measure('(a) GET /v2/access/self', `${service.url}/v2/access/self`, headers);
    const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'self_get', arguments: {} } });
    const mcp = await measure('(b) MCP tools/call self_get', `${service.url}/v2/mcp`, { ...headers, 'content-type': 'application/json' }, call);
    const round = (n: number) => Math.round(n * 1000) / 1000;
    // Throughput on a shared machine drifts with its load; the CPU time this process (the service, and the client of
    // this sequential phase, the same for both) spends per call does much less.
    const cpuPerHttpCall = await cpuMsPerCall(() => request(`${service.url}/v2/access/self`, { headers }));
    const cpuPerToolCall = await cpuMsPerCall(() =>
      request(`${service.url}/v2/mcp`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: call }),
    );
    console.log(`CPU per call: HTTP ${round(cpuPerHttpCall)} ms, MCP ${round(cpuPerToolCall)} ms`);
    const summary = {
      cpuMsPerHttpCall: round(cpuPerHttpCall),
      cpuMsPerToolCall: round(cpuPerToolCall),
      ratioCpuToolToHttp: round(cpuPerToolCall / cpuPerHttpCall),
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      http,
      mcp,
      ratioMcpToHttp: round(mcp.requestsPerSecond / http.requestsPerSecond),
      addedP50Ms: round(mcp.p50Ms - http.p50Ms),
      addedP99Ms: round(mcp.p99Ms - http.p99Ms),
      valid: http.non2xx === 0 && mcp.non2xx === 0 && http.errors === 0 && mcp.errors === 0,
    };
    console.log(`b/a ${summary.ratioMcpToHttp}  added p50 ${summary.addedP50Ms} ms  added p99 ${summary.addedP99Ms} ms`);
    return summary;
  } finally {
    await service.close();
    await database.close();
    upstream.child.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// Standalone run: bin/run-ts.js removes the entry from argv, so (as in bench/access.ts) nobody having called the
// benchmark by the first timer means this file is the entry point.
setTimeout(() => {
  if (wasCalled) return;
  runMcpBenchmark().then(
    (result) => {
      console.log(JSON.stringify(result, null, 2));
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}, 0);
