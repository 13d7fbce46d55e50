// pino logger with redaction: no API key, cookie, password or session field ever reaches a log line.
import pino, { type Logger } from 'pino';
import { withoutQueryParameters } from './db/errors.ts';

/** Paths redacted wherever they appear in a logged object (request headers, bodies, errors). */
export const REDACTED_PATHS = [
  'apikey',
  'apiKey',
  'password',
  'encodedPassword',
  'cookie',
  'sess',
  'session',
  'secret',
  'clientSecret',
  'key',
  'token',
  '*.apikey',
  '*.apiKey',
  '*.password',
  '*.encodedPassword',
  '*.cookie',
  '*.sess',
  '*.session',
  '*.secret',
  '*.clientSecret',
  '*.token',
  '*["x-bc"]',
  '*["x-session-cookie"]',
  '*["x-session-xbc"]',
  '*["set-cookie"]',
  '*.authorization',
  'req.headers.apikey',
  'req.headers.cookie',
  'req.headers["x-bc"]',
  'req.headers["x-session-cookie"]',
  'req.headers["x-session-xbc"]',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'ofconnect' },
      // A failed statement is logged without its parameter values (they hold what the redaction paths protect).
      serializers: { err: (error: unknown) => pino.stdSerializers.err(withoutQueryParameters(error) as Error) },
    },
    destination,
  );
}
