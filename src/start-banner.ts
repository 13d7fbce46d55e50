// What `ofconnect start` prints for a person: where it runs, and on first start the key and what to try.
// Printed to stderr directly, never through the logger: the key must not land in log storage, and stdout stays the
// log stream alone (JSON lines a collector can parse). In production the key is not printed at all: it is in a 0600
// file whose path is printed (stderr is often collected too).
import type { RunningService } from './service.ts';

export function printStartBanner(service: RunningService, startupMs: number): void {
  const origin = service.ctx.publicOrigin();
  const { config } = service.ctx;
  const embedded = service.ctx.database.embeddedOrigin;
  // A first start says how the embedded database was made: the README's first-start figure assumes the template.
  const made = embedded === 'template' ? ', created from the install\'s template' : embedded === 'initdb' ? ', created by initdb (no template: run npm install)' : '';
  const database = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}${made}`;
  const lines = [
    '',
    `ofconnect is ready on ${origin} in ${startupMs} ms (role ${config.role}; database: ${database})`,
    service.sandboxControlUrl
      ? `  Sandbox: the OnlyFans simulator sandbox keys talk to; its control API is ${service.sandboxControlUrl} (a sandbox admin key)`
      : `  Sandbox upstream (the OnlyFans simulator sandbox keys talk to): ${service.sandboxUrl ?? 'none'}`,
  ];
  const boot = service.bootstrap;
  if (boot?.created && service.adminKeyFile) {
    // Production: the key is in a 0600 file, never printed (log collectors keep stderr too).
    lines.push(
      '',
      '  First start: created a default organization and a sandbox admin API key (no client app: production has no dev callback).',
      `  The key is in ${service.adminKeyFile} (readable by this user only): store it in your secret manager, then delete the file.`,
      '  Going live with it:',
      `    a live admin key:  curl -X POST -H "apikey: <that key>" -H 'content-type: application/json' -d '{"environment":"live","name":"Live admin"}' ${origin}/v2/api-keys`,
      `    a live client app: curl -X POST -H "apikey: <the live key>" -H 'content-type: application/json' -d '{"name":"My app","redirectUris":["https://app.example.com/callback"]}' ${origin}/v2/client-apps`,
      '',
      `  API reference: ${origin}/openapi.json`,
    );
  } else if (boot?.created) {
    lines.push(
      '',
      '  First start: created a default organization, a sandbox admin API key and a local client app (it returns to /link/dev-callback).',
      '  Your sandbox API key (shown only now — store it):',
      '',
      `    ${boot.apiKey}`,
      '',
      '  Try it:',
      `    curl -H "apikey: ${boot.apiKey}" ${origin}/v2/account/whoami`,
      '',
      '  Start a Link session (open the returned url in a browser; sandbox login alice@creator.sandbox.com / good-password):',
      `    curl -X POST -H "apikey: ${boot.apiKey}" -H 'content-type: application/json' \\`,
      `         -d '{"redirectUrl":"${boot.redirectUris[boot.redirectUris.length - 1]}"}' ${origin}/v2/link/init`,
      '',
      `  API reference: ${origin}/openapi.json`,
    );
  } else if (boot) {
    lines.push(
      `  Organization ${boot.orgId}. API keys are shown only when created; make another with POST /v2/api-keys,`,
      '  or with `ofconnect keys create --org <id>` while the server is stopped.',
    );
  }
  process.stderr.write(lines.join('\n') + '\n\n');
}
