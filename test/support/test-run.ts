// What marks a test run's leftovers as its own: a run id the global setup mints (and the vitest workers inherit),
// carried in the names of temp directories and PostgreSQL databases and in the environment of every process the
// suite spawns, so the end-of-run check (leak-check.ts) finds what a test left behind, and only this run's.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Set by the global setup in the vitest process; its forks inherit it. */
export const TEST_RUN_ENV = 'OFCONNECT_TEST_RUN';
/**
 * Carried by every child process a test spawns (and so by their children), never by vitest's own workers: the
 * leak check looks for processes whose environment holds it.
 */
export const TEST_CHILD_ENV = 'OFCONNECT_TEST_CHILD_OF';

/** Hex only, so it fits a PostgreSQL identifier; 'adhoc' outside a vitest run (benchmarks, scripts). */
export function testRunId(): string {
  const id = process.env[TEST_RUN_ENV];
  return id && /^[0-9a-f]+$/.test(id) ? id : 'adhoc';
}

/** Every temp directory of the suite starts with this. */
export function suiteTempPrefix(runId = testRunId()): string {
  return `ofc-test-${runId}-`;
}

/** Every PostgreSQL database of the suite starts with this (followed by `_` and random hex). */
export function suiteDatabasePrefix(runId = testRunId()): string {
  return `ofc_test_${runId}`;
}

/** The environment entry that marks a spawned child as this run's. */
export function childMarker(): Record<string, string> {
  return { [TEST_CHILD_ENV]: testRunId() };
}

/**
 * The run's own temp directory, which the global setup makes every process of the run use (TMPDIR). Its name does
 * not start with the suite prefix: it is the place leftovers are looked for, not one of them.
 */
export function makeRunTempDir(runId: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `ofc-run-${runId}-`));
}

/** A fresh temp directory with the suite's prefix; the test removes it (removeTempDir) in a finally/afterAll. */
export function makeTempDir(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `${suiteTempPrefix()}${label}-`));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
