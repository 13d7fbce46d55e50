// Relay workers as separate processes on one PostgreSQL (test/realtime/relay-process.ts): one killed with SIGKILL
// mid-relay keeps its leases until they run out, then a worker in another process takes its sockets over, and no
// frame becomes two events.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/platform/db/sql.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { REPO_ROOT } from '../support/processes.ts';
import { childMarker } from '../support/test-run.ts';
import { createRealtimeConnection, fanActs, simulatorSockets, useRealtimeService, waitForSockets, type RealtimeConnection } from './realtime-setup.ts';

/** A worker process starts in a second or two on a quiet machine, much later under load. */
const START_MS = 60_000;
const LEASE_MS = 3000;

interface RelayProcess {
  child: ChildProcess;
  workerId: string;
  /** The connection ids it last reported holding. */
  holding(): string[];
  exited: Promise<unknown>;
}

describe.runIf(BACKENDS.includes('postgres'))('realtime relay worker processes on one PostgreSQL', () => {
  const rt = useRealtimeService('postgres');

  async function startRelayProcess(env: Record<string, string> = {}): Promise<RelayProcess> {
    const { t } = rt;
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/run-ts.js'), path.join(REPO_ROOT, 'test/realtime/relay-process.ts')], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        TMPDIR: process.env.TMPDIR ?? '/tmp',
        DATABASE_URL: t.database.url!,
        OFCONNECT_VAULT_KEYS: t.service.ctx.config.vaultKeys!,
        OFCONNECT_SANDBOX_URL: t.sandboxUrl,
        RELAY_LEASE_MS: String(LEASE_MS),
        ...env,
        ...childMarker(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let bundleDir: string | null = null;
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve)).then(() => {
      // A process killed with SIGKILL cannot remove the bundle run-ts.js made for it.
      if (bundleDir && path.basename(bundleDir).startsWith('ofconnect-run-')) rmSync(bundleDir, { recursive: true, force: true });
    });
    rt.onCleanup(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    });
    const ready = await eventually(() => /relay ready (\S+) (\S+)/.exec(out) ?? (child.exitCode !== null ? Promise.reject(new Error(`relay process exited: ${err}`)) : null), {
      timeoutMs: START_MS,
      intervalMs: 25,
      what: 'the relay process ready',
    });
    // The compiled script sits in run-ts.js's bundle directory or a folder of it.
    bundleDir = ready[2];
    while (bundleDir !== path.dirname(bundleDir) && !path.basename(bundleDir).startsWith('ofconnect-run-')) bundleDir = path.dirname(bundleDir);
    return {
      child,
      workerId: ready[1],
      holding: () => {
        const lines = out.split('\n').filter((l) => l.startsWith('holding'));
        return (lines.at(-1) ?? 'holding ').slice('holding '.length).split(',').filter(Boolean);
      },
      exited,
    };
  }

  it('a worker process killed with SIGKILL has its sockets taken over by another process once its leases run out, and no frame is delivered twice', async () => {
    const { t, receiver } = rt;
    const org = await rt.realtimeOrg('/processes', ['realtime.chat_message.received']);
    const conns: RealtimeConnection[] = [];
    for (let i = 0; i < 4; i++) conns.push(await createRealtimeConnection(t, org.orgId));
    const ids = conns.map((c) => c.userId);
    // The one to be killed first, full at two sockets; the survivor takes the other two.
    const doomed = await startRelayProcess({ RELAY_CAPACITY: '2' });
    await eventually(() => doomed.holding().length === 2, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, intervalMs: 25, what: 'two sockets in the first process' });
    const survivor = await startRelayProcess();
    await waitForSockets(t, ids);
    await eventually(() => survivor.holding().length === 2, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, intervalMs: 25, what: 'two sockets in the second process' });

    const sent = new Set<number>();
    for (const conn of conns) sent.add((await fanActs(t, { kind: 'message', email: conn.email })).messageId!);
    await receiver.waitFor((r) => r.filter((d) => d.path === '/processes').length >= 4, WORKER_PROGRESS_TIMEOUT_MS);

    const orphaned = doomed.holding();
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const killedAt = Date.now();
    // Its leases stay behind it, still running.
    const leases = rowsOf<{ worker_id: string; lease_until: string | Date }>(
      await t.database.handle.db.execute(sql`select worker_id, lease_until from realtime_sockets where connection_id in (${sql.join(orphaned.map((id) => sql`${id}`), sql`, `)})`),
    );
    expect(leases.map((l) => l.worker_id)).toEqual([doomed.workerId, doomed.workerId]);
    const leaseEnd = Math.min(...leases.map((l) => new Date(l.lease_until).getTime()));
    expect(leaseEnd).toBeGreaterThan(killedAt);
    const orphans = conns.filter((c) => orphaned.includes(c.row.id));
    await eventually(async () => !(await simulatorSockets(t)).some((s) => orphans.some((c) => String(s.userId) === c.userId)), { what: 'the killed process\'s sockets closed' });

    await eventually(() => orphaned.every((id) => survivor.holding().includes(id)), { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, intervalMs: 25, what: 'the survivor holding the orphaned sockets' });
    // Not before the leases ran out.
    expect(Date.now()).toBeGreaterThanOrEqual(leaseEnd - 50);
    await waitForSockets(t, ids, 'all four sockets open again');
    for (const conn of conns) {
      const acted = await fanActs(t, { kind: 'message', email: conn.email });
      expect(acted.sockets).toBe(1);
      sent.add(acted.messageId!);
    }
    await receiver.waitFor((r) => r.filter((d) => d.path === '/processes').length >= 8, WORKER_PROGRESS_TIMEOUT_MS);
    const delivered = rt.deliveredTo('/processes').map((d) => d.payload.data.eventBody.id);
    expect(delivered).toHaveLength(8);
    expect(new Set(delivered)).toEqual(sent);
  }, 120_000);
});
