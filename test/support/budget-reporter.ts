// Prints, after the default reporter's summary, how long each test file took (per database backend, slowest first),
// flags files over the per-file budget and the run over the total budget, and writes the same figures to
// test-results/test-times.json so runs can be compared. Work that needs more time than the budget belongs in bench/.
//
// Over budget is a warning, not a failure: the same file takes twice as long when the two cores are shared with other
// work (a Chromium, a second fork, a build), so a hard limit would fail correct changes at random. The warning names
// the files so the one who made a file slow sees it in their own run.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';

export interface BudgetOptions {
  /** Seconds one file may take on one backend (its tests and set-up hooks summed). */
  fileBudgetSeconds?: number;
  /** Seconds the whole run may take, wall clock from start to the end of the last file. */
  totalBudgetSeconds?: number;
  /** Where the figures are written as JSON (relative to the working directory); null writes nothing. */
  outputFile?: string | null;
}

/** A file's time split by the backend its suite runs on (`describe.each(BACKENDS)` names end "(pglite)"). */
export interface FileTime {
  file: string;
  seconds: number;
  byBackend: Record<string, number>;
  overBudget: boolean;
}

const BACKEND_IN_NAME = /\((pglite|postgres)\)/;
/** Time outside any backend's suite: single-backend files, module-level hooks and collection. */
const ANY_BACKEND = 'any';

/** The runner's own record of a suite: its duration includes its beforeAll/afterAll hooks, which tests' don't. */
function suiteDurationMs(suite: TestSuite): number | undefined {
  const task = (suite as unknown as { task?: { result?: { duration?: number } } }).task;
  return task?.result?.duration;
}

function testDurationMs(test: TestCase): number {
  return test.diagnostic()?.duration ?? 0;
}

function addTime(into: Record<string, number>, backend: string, ms: number): void {
  into[backend] = (into[backend] ?? 0) + ms;
}

/** Walks a module's tree: the first suite naming a backend takes its whole duration; other tests count as 'any'. */
function timeByBackend(children: Iterable<TestCase | TestSuite>, into: Record<string, number>): void {
  for (const child of children) {
    if (child.type === 'test') {
      addTime(into, ANY_BACKEND, testDurationMs(child));
      continue;
    }
    const backend = BACKEND_IN_NAME.exec(child.name)?.[1];
    if (!backend) {
      timeByBackend(child.children, into);
      continue;
    }
    const own = suiteDurationMs(child);
    addTime(into, backend, own ?? [...child.children.allTests()].reduce((sum, t) => sum + testDurationMs(t), 0));
  }
}

export function measureFile(module: TestModule, root: string, budgetMs: number): FileTime {
  const byBackendMs: Record<string, number> = {};
  timeByBackend(module.children, byBackendMs);
  const counted = Object.values(byBackendMs).reduce((a, b) => a + b, 0);
  // Module-level hooks and anything the walk missed: the module's own total is the truth.
  const rest = module.diagnostic().duration - counted;
  if (rest > 50) addTime(byBackendMs, ANY_BACKEND, rest);
  const total = Math.max(counted, module.diagnostic().duration);
  const byBackend = Object.fromEntries(Object.entries(byBackendMs).map(([k, ms]) => [k, round(ms / 1000)]));
  return {
    file: path.relative(root, module.moduleId),
    seconds: round(total / 1000),
    byBackend,
    overBudget: Object.values(byBackendMs).some((ms) => ms > budgetMs),
  };
}

const round = (seconds: number) => Math.round(seconds * 10) / 10;

export default class BudgetReporter implements Reporter {
  private readonly fileBudgetMs: number;
  private readonly totalBudgetMs: number;
  private readonly outputFile: string | null;
  private startedAt = Date.now();
  private root = process.cwd();

  constructor(options: BudgetOptions = {}) {
    this.fileBudgetMs = (options.fileBudgetSeconds ?? 20) * 1000;
    this.totalBudgetMs = (options.totalBudgetSeconds ?? 360) * 1000;
    this.outputFile = options.outputFile === undefined ? 'test-results/test-times.json' : options.outputFile;
  }

  onInit(vitest: { config: { root: string } }): void {
    // From here rather than onTestRunStart: the global set-up (the dist/ build) is part of what a run costs.
    this.startedAt = Date.now();
    this.root = vitest.config.root;
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    if (testModules.length === 0) return;
    const wallMs = Date.now() - this.startedAt;
    // Vitest calls the default reporter's summary (onFinished) right after this hook, in the same turn: yielding once
    // puts these figures below the summary, at the end of the output, where a reader of `npm test` looks.
    await new Promise((resolve) => setImmediate(resolve));
    const files = testModules.map((m) => measureFile(m, this.root, this.fileBudgetMs)).sort((a, b) => b.seconds - a.seconds);
    const summedSeconds = round(files.reduce((sum, f) => sum + f.seconds, 0));
    const over = files.filter((f) => f.overBudget);
    const budgetS = this.fileBudgetMs / 1000;
    const width = Math.min(70, Math.max(...files.map((f) => f.file.length)));
    const lines = ['', ` Time per test file (tests and their set-up, per backend; budget ${budgetS} s per file and backend), slowest first:`];
    for (const f of files) {
      const split = Object.entries(f.byBackend)
        .filter(([, s]) => s > 0)
        .map(([backend, s]) => `${backend} ${s.toFixed(1)} s`)
        .join(', ');
      lines.push(`  ${f.seconds.toFixed(1).padStart(6)} s  ${f.file.padEnd(width)}  ${split}${f.overBudget ? `  ⚠ over ${budgetS} s` : ''}`);
    }
    lines.push('');
    lines.push(` Test time summed over ${files.length} files: ${summedSeconds.toFixed(1)} s; wall clock ${round(wallMs / 1000).toFixed(1)} s (budget ${this.totalBudgetMs / 1000} s).`);
    if (over.length > 0) {
      lines.push(` ⚠ ${over.length} file(s) over the ${budgetS} s budget: ${over.map((f) => f.file).join(', ')}. Share one service per file, shorten real waits, or move measurements to bench/.`);
    }
    if (wallMs > this.totalBudgetMs) {
      lines.push(` ⚠ the run took ${round(wallMs / 1000)} s, over the ${this.totalBudgetMs / 1000} s budget (a loaded machine runs slower: compare with test-results/test-times.json of a quiet run).`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    if (this.outputFile) this.writeJson(files, wallMs, summedSeconds);
  }

  private writeJson(files: FileTime[], wallMs: number, summedSeconds: number): void {
    const target = path.resolve(this.root, this.outputFile!);
    mkdirSync(path.dirname(target), { recursive: true });
    const report = {
      finishedAt: new Date().toISOString(),
      wallSeconds: round(wallMs / 1000),
      summedSeconds,
      fileBudgetSeconds: this.fileBudgetMs / 1000,
      totalBudgetSeconds: this.totalBudgetMs / 1000,
      files,
    };
    writeFileSync(target, `${JSON.stringify(report, null, 2)}\n`);
  }
}
