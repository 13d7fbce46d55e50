// `npm run fuzz -- [--seed N] [--iterations N] [--backend pglite|postgres] [--only TEXT]`: the long schema-driven
// fuzz run (test/hardening/fuzz-engine.ts) against a fresh service. Prints findings grouped by problem and exits 1
// when there is any; rerun with the printed seed to reproduce.
import { Command } from 'commander';
import { call } from '../test/support/service.ts';
import { runFuzz, type Operation } from '../test/hardening/fuzz-engine.ts';
import { effectiveReply, isUnfuzzable, relaysUpstreamReplies, startFuzzTarget } from '../test/hardening/fuzz-target.ts';
import type { Backend } from '../test/support/databases.ts';

const options = new Command()
  .option('--seed <n>', 'fast-check seed', (value) => Number(value), Date.now() % 2_147_483_647)
  .option('--iterations <n>', 'cases per operation', (value) => Number(value), 200)
  .option('--backend <name>', 'pglite or postgres', 'pglite')
  .option('--only <text>', 'fuzz only operations whose "METHOD /path" contains this')
  .parse()
  .opts<{ seed: number; iterations: number; backend: Backend; only?: string }>();

const target = await startFuzzTarget(options.backend);
const started = Date.now();
try {
  const named = (operation: Operation) => `${operation.method} ${operation.path}`;
  const report = await runFuzz(
    {
      baseUrl: target.service.url,
      apiKey: target.service.adminKey,
      seed: options.seed,
      iterations: options.iterations,
      stateDigest: target.digest, knownValues: target.knownValues, relaysUpstreamReplies,
      // Every MCP tool as an operation of its own (test/hardening/mcp-tools.ts), judged by the reply its call carries.
      extraOperations: target.toolOperations, effectiveReply,
      skip: (operation) => isUnfuzzable(operation) || (options.only !== undefined && !named(operation).includes(options.only)),
      onProgress: process.stderr.isTTY ? (done, total) => process.stderr.write(`\r${done}/${total} operations`) : undefined,
    },
    target.document,
  );
  process.stderr.write('\n');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`seed ${options.seed}: ${report.operations} operations, ${report.requests} requests in ${seconds} s; by status ${JSON.stringify(report.byStatus)}`);
  for (const [kind, statuses] of Object.entries(report.byKind)) console.log(`  ${kind}: ${JSON.stringify(statuses)}`);
  const byProblem = new Map<string, typeof report.findings>();
  for (const finding of report.findings) {
    const key = `${finding.operation}: ${finding.problem}`;
    byProblem.set(key, [...(byProblem.get(key) ?? []), finding]);
  }
  for (const [problem, findings] of byProblem) {
    console.log(`\n${problem} (${findings.length}×)`);
    for (const finding of findings.slice(0, 3)) console.log(`  ${finding.what}\n    ${finding.request}\n    → ${finding.body}`);
  }
  // Access cases reach their handlers only while the run's connection is active: say if the run ended it.
  const connectionId = target.knownValues['x-connection-id']!;
  const connection = await call(target.service.url, 'GET', `/v2/account/connections/${connectionId}`, { key: target.service.adminKey });
  console.log(`\nthe run's connection ${connectionId}: ${connection.status === 200 ? connection.body.status : `answered ${connection.status}`}`);
  console.log(report.findings.length ? `\n${report.findings.length} findings` : '\nno findings');
  process.exitCode = report.findings.length ? 1 : 0;
} finally {
  await target.service.close();
}
