// `ofconnect sandbox`: the OnlyFans web API simulator on its own.
import path from 'node:path';

export interface SandboxCommandOptions {
  port: number;
  host: string;
  seed: number;
  ipRateLimit: boolean;
  dataDir?: string;
  databaseUrl?: string;
}

export async function sandboxCommand(opts: SandboxCommandOptions): Promise<void> {
  const { startSandbox } = await import('../sandbox/server.ts');
  let database: import('../platform/db/database.ts').DatabaseHandle | undefined;
  let releaseLock = () => {};
  if (opts.dataDir || opts.databaseUrl) {
    const { openDatabase } = await import('../platform/db/database.ts');
    if (!opts.databaseUrl) releaseLock = (await import('../platform/db/data-dir-lock.ts')).lockDataDir(opts.dataDir!);
    database = await openDatabase({ databaseUrl: opts.databaseUrl ?? null, dataDir: opts.databaseUrl ? null : path.join(opts.dataDir!, 'pglite') });
    await database.migrate();
  }
  const sandbox = await startSandbox({
    port: opts.port,
    host: opts.host,
    seed: opts.seed,
    database,
    ...(opts.ipRateLimit ? {} : { rateLimit: { perIp: false } }),
  });
  const stop = async () => {
    await sandbox.close();
    await database?.close();
    releaseLock();
    process.exit(0);
  };
  // Before the "listening" line, for the same reason as `start`'s handlers.
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  const kept = opts.databaseUrl ? 'state in PostgreSQL' : opts.dataDir ? `state in ${opts.dataDir}` : 'state in memory only';
  console.log(`OnlyFans simulator listening on ${sandbox.url} (rules at ${sandbox.url}/dynamic-rules.json, control API under /_sandbox/, ${kept})`);
}
