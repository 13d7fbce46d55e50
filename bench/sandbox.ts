// Simulator benchmark (issue 15): requests/s of a signed GET /api2/v2/users/me with a valid session, answered by
//   (a) the simulator of a base commit (default b73be94, its state in process memory), from a git worktree,
//   (b) this simulator with its state in a database (in-memory PGlite, as the service runs it by default),
//   (c) this simulator with the process-local store (`ofconnect sandbox` without --data-dir),
// each in a process of its own, one at a time, loaded by autocannon from another process; only ratios to (a) are
// compared. The warm path must not touch the database: the session and account are cached after the first request.
//
//   npm run bench -- sandbox
//   git worktree add /tmp/base b73be94 && ln -s "$PWD/node_modules" /tmp/base/node_modules   (the base, once)
//   SANDBOX_BENCH_BASE=/path/to/worktree   (default /tmp/base; skipped when absent)
//
// The same file is the simulator's process (SANDBOX_BENCH_SERVE=1); for the base it is copied (with what it imports from bench/)
// into the worktree's bench/ and run there, so both are compiled and started the same way (bin/run-ts.js).
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/platform/package-root.ts';
import { runAutocannon } from './autocannon.ts';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BASE = process.env.SANDBOX_BENCH_BASE ?? '/tmp/base';
const ROUNDS = Number(process.env.SANDBOX_BENCH_ROUNDS ?? 2);
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** No per-session limit: one session carries the whole load. */
const UNLIMITED = { requests: 1e12, windowMs: 60_000, blockMs: 1 };

interface Measurement {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/** The simulator's process: starts it, prints its URL as one JSON line, runs until killed. */
async function serve(): Promise<void> {
  const { startSandbox } = await import('../src/sandbox/server.ts');
  const options: Record<string, unknown> = { port: 0, rateLimit: { perIp: false, perSession: UNLIMITED } };
  if (process.env.SANDBOX_BENCH_STORE === 'pglite') {
    const { openDatabase } = await import('../src/platform/db/database.ts');
    const database = await openDatabase({ databaseUrl: null, dataDir: null });
    await database.migrate();
    options.database = database;
  }
  const sandbox = await startSandbox(options as Parameters<typeof startSandbox>[0]);
  process.stdout.write(`${JSON.stringify({ url: sandbox.url })}\n`);
}

async function startSimulator(root: string, store: 'memory' | 'pglite'): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(root, 'bin/run-ts.js'), path.join(root, 'bench/sandbox.ts')], {
    cwd: root,
    env: { ...process.env, SANDBOX_BENCH_STORE: store, SANDBOX_BENCH_SERVE: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{"url"'));
      if (line) resolve(JSON.parse(line).url);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { url, child };
}

async function json(url: string, init?: RequestInit): Promise<any> {
  const reply = await fetch(url, init);
  if (!reply.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${reply.status} ${await reply.text()}`);
  return reply.json();
}

/** Headers of a signed GET /api2/v2/users/me for a freshly minted session (valid for the simulator's 5-minute skew). */
async function signedHeaders(url: string): Promise<Record<string, string>> {
  const { signUpstreamRequest } = await import('../src/upstream/signing.ts');
  const { parseDynamicRules } = await import('../src/upstream/rules.ts');
  const session = await json(`${url}/_sandbox/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@creator.sandbox.com', userAgent: USER_AGENT }),
  });
  const rules = parseDynamicRules(await json(`${url}/dynamic-rules.json`));
  const time = Date.now();
  const signed = signUpstreamRequest(rules, { path: '/api2/v2/users/me', time, userId: session.userId });
  return {
    accept: 'application/json, text/plain, */*',
    'app-token': rules.app_token,
    sign: signed.sign,
    time: String(time),
    'x-bc': session.xBc,
    'user-agent': USER_AGENT,
    cookie: session.cookie,
  };
}

const autocannon = (url: string, headers: Record<string, string>, seconds: number) => runAutocannon(url, headers, seconds, CONNECTIONS);

async function measure(label: string, root: string, store: 'memory' | 'pglite'): Promise<Measurement> {
  const simulator = await startSimulator(root, store);
  try {
    const headers = await signedHeaders(simulator.url);
    const target = `${simulator.url}/api2/v2/users/me`;
    if (WARMUP_S > 0) await autocannon(target, headers, WARMUP_S);
    const result = await autocannon(target, headers, DURATION_S);
    const m: Measurement = {
      requestsPerSecond: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
    };
    console.log(`${label.padEnd(34)} ${String(m.requestsPerSecond).padStart(7)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms  non2xx ${m.non2xx}  errors ${m.errors}`);
    return m;
  } finally {
    simulator.child.kill('SIGTERM');
  }
}

export async function runSandboxBenchmark(): Promise<Record<string, unknown>> {
  const root = packageRoot();
  console.log(
    `signed GET /api2/v2/users/me, one session; autocannon: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s per target, ` +
      `${ROUNDS} round(s) in turn, best of each kept (the machine is shared: turns spread its noise over all targets)`,
  );
  const hasBase = existsSync(path.join(BASE, 'bin/run-ts.js')) && existsSync(path.join(BASE, 'node_modules'));
  if (hasBase) {
    for (const file of ['bench/sandbox.ts', 'bench/autocannon.ts']) copyFileSync(path.join(root, file), path.join(BASE, file));
  }
  else console.log(`(a) base: no worktree at ${BASE} (see the header of bench/sandbox.ts); ratios left out`);
  const best = (a: Measurement | undefined, b: Measurement) => (a && a.requestsPerSecond >= b.requestsPerSecond ? a : b);
  let base: Measurement | undefined;
  let database: Measurement | undefined;
  let memory: Measurement | undefined;
  for (let round = 1; round <= ROUNDS; round++) {
    if (hasBase) base = best(base, await measure(`(a) base ${path.basename(BASE)} (memory)`, BASE, 'memory'));
    database = best(database, await measure('(b) now, state in PGlite', root, 'pglite'));
    memory = best(memory, await measure('(c) now, process-local store', root, 'memory'));
  }
  const ratio = (m: Measurement) => (base ? Number((m.requestsPerSecond / base.requestsPerSecond).toFixed(3)) : null);
  if (base) console.log(`best of ${ROUNDS}: base ${base.requestsPerSecond}, database ${database!.requestsPerSecond} (${ratio(database!)}), process-local ${memory!.requestsPerSecond} (${ratio(memory!)}); issue 15 asks for ≥ 0.8`);
  return { base: base ?? null, database, memory, databaseToBase: ratio(database!), memoryToBase: ratio(memory!) };
}

// The simulator's process is this file started with SANDBOX_BENCH_SERVE=1 (see startSimulator), which reads more
// plainly than comparing import.meta.url with argv[1].
if (process.env.SANDBOX_BENCH_SERVE === '1') await serve();
