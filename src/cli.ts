// The ofconnect command line: the map of commands, their options and help. Each command group's implementation is a
// module of src/cli/ (start, sandbox, database-commands, orgs, keys, connections, doctor), loaded only when its
// command runs: `--version`, `--help` and a key listing do not load the service, the simulator or the upstream client.
import fs from 'node:fs';
import { Command, Help, Option } from 'commander';
import { ROLES, type Role } from './platform/config.ts';
import { ENVIRONMENTS, type Environment } from './platform/environment.ts';
import { packagePath } from './platform/package-root.ts';
import { SCOPES, type Scope } from './account/scopes.ts';
import { CONNECTION_STATUSES } from './connections/statuses.ts';
import { parsePort, parsePositiveInteger, parseScopes } from './cli/parse.ts';
import type { SandboxCommandOptions } from './cli/sandbox.ts';
import type { StatusFilter } from './cli/connections.ts';

const { version } = JSON.parse(fs.readFileSync(packagePath('package.json'), 'utf8')) as { version: string };

// Help states each default once, in commander's "(…, default: …)": where commander knows the default it prints it
// itself, and descriptions do not repeat it; where the default is not a value commander can hold (it comes from the
// environment, or is "none of the filters"), describedDefault gives the words and the help prints them the same way.
const describedDefaults = new WeakMap<Option, string>();
function describedDefault(option: Option, words: string): Option {
  describedDefaults.set(option, words);
  return option;
}

const program = new Command();
program
  .configureHelp({
    optionDescription(option) {
      const base = Help.prototype.optionDescription.call(this, option);
      const words = describedDefaults.get(option);
      if (!words) return base;
      return base.endsWith(')') && base !== option.description ? `${base.slice(0, -1)}, default: ${words})` : `${base} (default: ${words})`;
    },
  })
  .name('ofconnect')
  .description('Self-hosted, OFAuth-compatible API for connecting OnlyFans accounts')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError();

const JSON_OPTION = ['--json', 'print JSON (for scripts)'] as const;

program
  .command('start')
  .description('Serve the API (and, with role all or worker, run background workers)')
  .addOption(describedDefault(new Option('--role <role>', 'which parts run in this process').choices([...ROLES]), 'OFCONNECT_ROLE, else all'))
  .addOption(describedDefault(new Option('--port <port>', 'HTTP port').argParser(parsePort), 'PORT, else 8080'))
  .addOption(describedDefault(new Option('--host <host>', 'address to listen on'), 'HOST, else 127.0.0.1'))
  .action(async (opts: { role?: Role; port?: number; host?: string }) => (await import('./cli/start.ts')).startCommand(opts));

program
  .command('migrate')
  .description('Apply database migrations and exit')
  .action(async () => (await import('./cli/database-commands.ts')).migrateCommand());

program
  .command('doctor')
  .description('Check the configuration as a server would use it: one line per check with a fix; exit code 1 if any check fails')
  .option(...JSON_OPTION)
  // Exits at once when done: a check abandoned at its timeout (a black-holed address) may still hold a socket.
  .action(async (opts: { json?: boolean }) => process.exit(await (await import('./cli/doctor.ts')).doctorCommand(opts)));

program
  .command('sandbox')
  .description('Run the OnlyFans web API simulator on its own (for tests, benchmarks and external clients)')
  .option('--port <port>', 'port', parsePort, 7070)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--seed <n>', 'fixture seed (same seed, same data)', (v) => Number.parseInt(v, 10), 1)
  .option('--no-ip-rate-limit', 'disable the per-IP rate limit (load tests from one machine)')
  .addOption(describedDefault(new Option('--data-dir <dir>', 'keep the state (sessions, rules, faults, writes) in an embedded database here, across restarts'), 'memory only'))
  .option('--database-url <url>', 'keep the state in this PostgreSQL database instead (shared with any other simulator or ofconnect node on it)')
  .action(async (opts: SandboxCommandOptions) => (await import('./cli/sandbox.ts')).sandboxCommand(opts));

program
  .command('vault')
  .description('The encryption key ring of stored sessions and secrets')
  .command('rotate')
  .description('Re-encrypt every stored secret under the first key of OFCONNECT_VAULT_KEYS (the others must stay in the ring until this finishes)')
  .action(async () => (await import('./cli/database-commands.ts')).rotateVaultCommand());

// The views below (list, show) read the database without changing it; keys revoke is the one change. On the embedded
// database they need the data directory to themselves: src/cli/database.ts says why they refuse while a node runs.
const orgs = program.command('orgs').description('Organizations');
orgs
  .command('create')
  .description('Create an organization and print its id')
  .requiredOption('--name <name>', 'organization name')
  .action(async (opts: { name: string }) => (await import('./cli/orgs.ts')).createOrg(opts));
orgs
  .command('list')
  .description('List organizations with their number of active API keys')
  .option(...JSON_OPTION)
  .action(async (opts: { json?: boolean }) => (await import('./cli/orgs.ts')).listOrgs(opts));

const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .description('Create an API key and print it (shown once)')
  .requiredOption('--org <orgId>', 'organization id')
  .addOption(new Option('--env <environment>', 'environment of the key').choices([...ENVIRONMENTS]).default('sandbox'))
  .addOption(describedDefault(new Option('--scopes <list>', `comma-separated scopes of ${SCOPES.join(',')}`).argParser(parseScopes), 'all of them'))
  .addOption(describedDefault(new Option('--name <name>', 'a label for the key'), '"<environment> key"'))
  .action(async (opts: { org: string; env: Environment; scopes?: Scope[]; name?: string }) => (await import('./cli/keys.ts')).createKey(opts));
keys
  .command('list')
  .description('List API keys of every org (id, org, name, prefix, environment, scopes, created, last used, revoked; never a secret)')
  .option('--org <orgId>', 'only this organization')
  .addOption(new Option('--env <environment>', 'only this environment').choices([...ENVIRONMENTS]))
  .option(...JSON_OPTION)
  .action(async (opts: { org?: string; env?: Environment; json?: boolean }) => (await import('./cli/keys.ts')).listKeys(opts));
keys
  .command('revoke')
  .description('Revoke an API key by id: requests with it get 401 from then on (running nodes drop it from their caches)')
  .argument('<keyId>', 'the key id (ofconnect keys list shows it)')
  .option(...JSON_OPTION)
  .action(async (keyId: string, opts: { json?: boolean }) => (await import('./cli/keys.ts')).revokeKey(keyId, opts));

const connections = program.command('connections').description('Connected OnlyFans accounts (read-only)');
connections
  .command('list')
  .description('List connections of every org, newest first')
  .option('--org <orgId>', 'only this organization')
  .addOption(
    describedDefault(new Option('--status <status>', 'only this status, or all').choices([...CONNECTION_STATUSES, 'all']), 'active, expired and awaiting_2fa, as the API lists'),
  )
  .option('--limit <n>', 'at most this many', parsePositiveInteger, 100)
  .option(...JSON_OPTION)
  .action(async (opts: { org?: string; status?: StatusFilter; limit: number; json?: boolean }) => (await import('./cli/connections.ts')).listConnections(opts));
connections
  .command('show')
  .description('Show one connection (never its session, credentials or proxy URL)')
  .argument('<connectionId>', 'the connection id (conn_…)')
  .option(...JSON_OPTION)
  .action(async (id: string, opts: { json?: boolean }) => (await import('./cli/connections.ts')).showConnection(id, opts));

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`ofconnect: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
