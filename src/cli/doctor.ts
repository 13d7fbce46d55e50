// `ofconnect doctor`: the configuration as a server would load it, checked one line at a time with the fix for each
// problem. Exit code 1 when any check fails; warnings alone exit 0. It changes nothing: no migration, no key file,
// no database created.
import { loadConfig, type Config } from '../platform/config.ts';
import {
  checkCaptcha,
  checkDatabase,
  checkProductionSettings,
  checkPublicUrl,
  checkRedis,
  checkRulesSources,
  checkVaultKeys,
  findWhetherLiveKeysExist,
  type CheckResult,
  type OpenedDatabase,
} from './doctor-checks.ts';
import { printJson } from './output.ts';

/** A check that threw (a database that stopped answering mid-way, say) is a failure of that check, not of doctor. */
async function settled(check: string, work: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    return [await work()].flat();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [{ check, status: 'fail', message: `could not be checked: ${message}`, fix: 'the message says what failed; correct it and run doctor again' }];
  }
}

async function runChecks(config: Config): Promise<CheckResult[]> {
  let opened: OpenedDatabase = { database: null, isReadable: false, close: async () => {} };
  const database = await settled('database', async () => {
    const checked = await checkDatabase(config);
    opened = checked.opened;
    return checked.results;
  });
  try {
    const vault = await settled('vault keys', () => checkVaultKeys(config, opened));
    const hasLiveKeys = await findWhetherLiveKeysExist(opened).catch(() => null);
    const [redis, rules] = await Promise.all([settled('redis', () => checkRedis(config)), settled('rules sources', () => checkRulesSources(config, hasLiveKeys))]);
    return [
      ...database,
      ...vault,
      ...redis,
      ...rules,
      checkCaptcha(config, hasLiveKeys),
      checkPublicUrl(config),
      ...checkProductionSettings(config, hasLiveKeys),
    ];
  } finally {
    await opened.close();
  }
}

function printLines(results: readonly CheckResult[]): void {
  for (const result of results) {
    console.log(`${result.status.padEnd(4)} ${result.check}: ${result.message}${result.fix ? ` — fix: ${result.fix}` : ''}`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  console.log(
    failed > 0
      ? `doctor: ${failed} check(s) failed, ${warned} warning(s)`
      : `doctor: no check failed${warned > 0 ? ` (${warned} warning(s))` : ''}`,
  );
}

/** The configuration as a server loads it, or the failure a server would refuse to start with (naming the setting). */
function loadedConfig(): Config | CheckResult {
  try {
    return loadConfig();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { check: 'configuration', status: 'fail', message, fix: 'correct the setting it names (README, Configuration); a server refuses to start with it' };
  }
}

/** Resolves to the exit code. */
export async function doctorCommand(opts: { json?: boolean }): Promise<number> {
  const loaded = loadedConfig();
  const results = 'check' in loaded ? [loaded] : await runChecks(loaded);
  if (opts.json) printJson({ isHealthy: !results.some((r) => r.status === 'fail'), checks: results });
  else printLines(results);
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}
