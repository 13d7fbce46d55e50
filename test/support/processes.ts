// Runs the real `ofconnect` command as a child process and reads what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/platform/package-root.ts';
import { afterEach } from 'vitest';
import { childMarker, makeTempDir, removeTempDir } from './test-run.ts';

/** Found by the package manifest rather than from this file's path, so it holds in a bundle (bin/run-ts.js) too. */
export const REPO_ROOT = packageRoot();
const BIN = path.join(REPO_ROOT, 'bin/ofconnect.js');

/** What `ofconnect start` prints once it serves; the match's group is the origin. */
export const READY = /ofconnect is ready on (http:\/\/127\.0\.0\.1:\d+)/;
/** The sandbox admin key a first start prints (outside production). */
export const SANDBOX_KEY = /sk_sandbox_[A-Za-z0-9]{40}/;

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** What it printed to stdout alone (the log stream) and to stderr alone (the banner, errors). */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of the pattern in stdout+stderr, or rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

export function spawnCli(args: string[], env: Record<string, string>): CliProcess {
  // A temp directory of its own, removed once it exits: a child killed with SIGKILL cannot remove what it made there
  // (a simulator's upload directory, say), and nothing of a finished child is worth keeping.
  const childTemp = makeTempDir('child-tmp');
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    // The run's marker goes to every child (and so to its children): the end-of-run leak check looks for it.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', TMPDIR: childTemp, ...env, ...childMarker() },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a signal reaches what it started too (the embedded database's initdb child):
    // killing only the CLI mid-start would leave that child running past the test.
    detached: true,
  });
  let out = '';
  const separate = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  const onData = (stream: keyof typeof separate) => (chunk: Buffer) => {
    const text = chunk.toString();
    out += text;
    separate[stream] += text;
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData('stdout'));
  child.stderr!.on('data', onData('stderr'));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      removeTempDir(childTemp);
      resolve(code);
    }),
  );
  return {
    child,
    output: () => out,
    stdout: () => separate.stdout,
    stderr: () => separate.stderr,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        let done = false;
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern}; output:\n${out}`)), timeoutMs);
        const finish = (error: Error | null, match?: RegExpMatchArray) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          if (error) reject(error);
          else resolve(match!);
        };
        const check = () => {
          const match = out.match(pattern);
          if (match) return finish(null, match);
          waiters.push(check);
        };
        void exited.then((code) => finish(new Error(`process exited (${code}) before ${pattern}; output:\n${out}`)));
        check();
      });
    },
  };
}

/** Runs a CLI command to completion and returns its exit code and output. */
export async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const proc = spawnCli(args, env);
  const code = await proc.exited;
  return { code, output: proc.output() };
}

/** Sends a signal to a CLI process and everything it started (its process group), unless it has exited. */
export function signalCli(proc: CliProcess, signal: NodeJS.Signals): void {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  try {
    process.kill(-proc.child.pid!, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Asks a CLI process to stop (SIGTERM, or the given signal) unless it already has, and waits for it to exit. */
export async function stopCli(proc: CliProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  signalCli(proc, signal);
  return proc.exited;
}

/** A process's resident set size in kilobytes (VmRSS in /proc/<pid>/status; Linux), or null once it has exited. */
export function residentSetKilobytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * For files whose tests each start their own `ofconnect`: every process a test started is killed and every data
 * directory it made is removed after it (afterEach), whether or not it passed, so no test relies on another's.
 */
export function trackCliRuns(): { freshDataDir(label?: string): string; spawn(args: string[], env: Record<string, string>): CliProcess } {
  const processes: CliProcess[] = [];
  const dataDirs: string[] = [];
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((proc) => stopCli(proc, 'SIGKILL')));
    for (const dir of dataDirs.splice(0)) removeTempDir(dir);
  });
  return {
    freshDataDir(label = 'cli') {
      const dir = makeTempDir(label);
      dataDirs.push(dir);
      return dir;
    },
    spawn(args, env) {
      const proc = spawnCli(args, env);
      processes.push(proc);
      return proc;
    },
  };
}
