// `ofconnect start`: the service in the foreground until SIGTERM/SIGINT.
import { printStartBanner } from '../start-banner.ts';
import { startService } from '../service.ts';
import { loadConfig, type ConfigOverrides, type Role } from '../platform/config.ts';
import { scheduleStartupGarbageCollection } from '../platform/startup-garbage.ts';

/** After the grace, how long workers and the database get to stop before the process exits regardless. */
const FORCED_EXIT_AFTER_GRACE_MS = 5_000;

export async function startCommand(opts: { role?: Role; port?: number; host?: string }): Promise<void> {
  const overrides: ConfigOverrides = {};
  if (opts.role) overrides.role = opts.role;
  if (opts.port !== undefined) overrides.port = opts.port;
  if (opts.host) overrides.host = opts.host;
  const config = loadConfig(overrides);
  const service = await startService({ config });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.ctx.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    // The service cuts responses still being written at the grace; this is the backstop for workers and the database.
    const force = setTimeout(() => process.exit(1), config.shutdownGraceMs + FORCED_EXIT_AFTER_GRACE_MS);
    force.unref();
    await service.close();
    process.exit(0);
  };
  // Handlers before the banner: whoever waits for "ready" may signal at once, and a signal that arrives before
  // its handler is installed kills the process instead of stopping it cleanly.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // From the process's own start (performance.now() counts from it): what a user waits, loading the code included.
  printStartBanner(service, Math.round(performance.now()));
  scheduleStartupGarbageCollection(service.ctx.logger);
}
