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
} from './doctor-checks.ts';
import { printJson } from './output.ts';

async function runChecks(config: Config): Promise<CheckResult[]> {
  const { results: database, opened } = await checkDatabase(config);
  try {
    const vault = await checkVaultKeys(config, opened);
    const hasLiveKeys = await findWhetherLiveKeysExist(opened);
    const [redis, rules] = await Promise.all([checkRedis(config), checkRulesSources(config, hasLiveKeys)]);
    return [
      ...database,
      vault,
      redis,
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

/** Resolves to the exit code. */
export async function doctorCommand(opts: { json?: boolean }): Promise<number> {
  let results: CheckResult[];
  try {
    results = await runChecks(loadConfig());
  } catch (error) {
    // loadConfig refuses what a server would refuse to start with; its message names the setting.
    const message = error instanceof Error ? error.message : String(error);
    results = [{ check: 'configuration', status: 'fail', message, fix: 'correct the setting it names (README, Configuration); a server refuses to start with it' }];
  }
  if (opts.json) printJson({ isHealthy: !results.some((r) => r.status === 'fail'), checks: results });
  else printLines(results);
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}
