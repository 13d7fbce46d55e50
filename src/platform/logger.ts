// pino logger with redaction: no API key, cookie, password or session field ever reaches a log line. JSON lines for
// machines; for a person at a terminal, one coloured line per event (pino-pretty, formatted in this thread: no
// worker-thread transport to flush or outlive at shutdown).
import pino, { type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
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
  // Stored secrets (encrypted, but a log is no place for ciphertext either) and what else a new line could carry:
  // webhook signing secrets and signatures, a 2FA code, the vault's and the captcha service's keys, auth headers.
  'authorization',
  'signingSecret',
  'webhookSecret',
  'secretBlob',
  'previousSecretBlob',
  'challengeBlob',
  'credentialsBlob',
  'sessionBlob',
  'otp',
  'otpCode',
  'vaultKeys',
  'captchaApiKey',
  'clientKey',
  'accessToken',
  'refreshToken',
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
  // One level down, only the rows a line could carry whole (a webhook job, a Link session) and a signed request's
  // headers: each wildcard path costs every line ~2 µs whether or not it matches (measured: 14 of them, 24-36 µs).
  '*.secretBlob',
  '*.previousSecretBlob',
  '*.challengeBlob',
  '*.credentialsBlob',
  '*["webhook-signature"]',
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

/** LOG_FORMAT: `auto` is pretty when the output is a terminal, JSON otherwise. */
export type LogFormat = 'auto' | 'json' | 'pretty';

const loggerOptions = (level: string): pino.LoggerOptions => ({
  level,
  redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  base: { service: 'ofconnect' },
  // A failed statement is logged without its parameter values (they hold what the redaction paths protect).
  serializers: { err: (error: unknown) => pino.stdSerializers.err(withoutQueryParameters(error) as Error) },
});

/** JSON lines to the destination (stdout by default). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(loggerOptions(level), destination);
}

/** Fields every line has, shown by the pretty format's own columns or not at all. */
const PRETTY_HIDDEN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'err']);

function prettyValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Object) return JSON.stringify(value);
  return String(value);
}

/** An error on the same line: its type and message, and where it was thrown (the first frame of its stack). */
function prettyError(err: unknown): string {
  if (!(err instanceof Object)) return `err=${prettyValue(err)}`;
  const { type, message, stack } = err as { type?: string; message?: string; stack?: string };
  const frame = stack?.split('\n').find((line) => line.trimStart().startsWith('at '))?.trim();
  return `err=${prettyValue(`${type ?? 'Error'}: ${message ?? ''}${frame ? ` (${frame})` : ''}`)}`;
}

/** `message key=value …`: the structured fields after the message, on its line, never a JSON object. */
function prettyLine(log: Record<string, unknown>, messageKey: string): string {
  const fields = Object.entries(log)
    .filter(([key, value]) => !PRETTY_HIDDEN.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${prettyValue(value)}`);
  if (log.err !== undefined) fields.push(prettyError(log.err));
  const message = typeof log[messageKey] === 'string' ? (log[messageKey] as string) : '';
  return fields.length ? `${message}  ${fields.join(' ')}` : message;
}

/** One line per event for people: time, level, message, then key=value fields; coloured when asked. */
export function createPrettyLogger(level: string, output: NodeJS.WritableStream, options: { colorize: boolean }): Logger {
  const prettify = prettyFactory({
    colorize: options.colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    hideObject: true,
    singleLine: true,
    messageFormat: (log, messageKey) => prettyLine(log, messageKey),
  });
  const destination: pino.DestinationStream = {
    write(line: string) {
      const pretty = prettify(line);
      output.write(pretty.endsWith('\n') ? pretty : `${pretty}\n`);
    },
  };
  return pino(loggerOptions(level), destination);
}

/** The service's logger on its output (stdout): pretty at a terminal or when asked, JSON lines otherwise. */
export function createOutputLogger(level: string, format: LogFormat, output: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Logger {
  const isTerminal = output.isTTY === true;
  if (format === 'pretty' || (format === 'auto' && isTerminal)) return createPrettyLogger(level, output, { colorize: isTerminal });
  return output === process.stdout ? createLogger(level) : createLogger(level, output);
}
