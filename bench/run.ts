// `npm run bench [-- access|webhooks|monitor …]`: runs the benchmark scenarios and prints their figures.
// Every scenario measures its own baseline in the same run and reports ratios, because the load generator shares
// the machine's cores with what it measures: absolute numbers vary from machine to machine, ratios much less.
const SCENARIOS: Record<string, () => Promise<Record<string, unknown>>> = {
  access: async () => (await import('./access.ts')).runAccessBenchmark(),
  'request-log': async () => (await import('./access.ts')).runRequestLogBenchmark(),
  webhooks: async () => (await import('./webhooks.ts')).runWebhooksBenchmark(),
  monitor: async () => (await import('./monitor.ts')).runMonitorBenchmark(),
  sandbox: async () => (await import('./sandbox.ts')).runSandboxBenchmark(),
  startup: async () => (await import('./startup.ts')).runStartupBenchmark(),
  mcp: async () => (await import('./mcp.ts')).runMcpBenchmark(),
  realtime: async () => (await import('./realtime.ts')).runRealtimeBenchmark(),
  media: async () => (await import('./media.ts')).runMediaBenchmark(),
};

const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = requested.length ? requested : Object.keys(SCENARIOS);
const unknown = names.filter((n) => !SCENARIOS[n]);
if (unknown.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}

const results: Record<string, unknown> = {};
for (const name of names) {
  console.log(`\n=== benchmark: ${name}`);
  results[name] = await SCENARIOS[name]();
}
console.log('\n=== results (JSON)');
console.log(JSON.stringify(results, null, 2));
process.exit(0);
