// The per-request logger of Access routes, made only when something is logged. Fastify's default makes a pino child
// for every request, and pino runs the redaction serializer over its bindings each time (~2 µs); an Access request
// that succeeds logs nothing. The child, when made, carries the same bindings (the request id) as Fastify's own.
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';

type LogMethod = (...args: unknown[]) => void;

class DeferredRequestLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #logger(): FastifyBaseLogger {
    return (this.#child ??= this.#parent.child(this.#bindings, this.#options));
  }

  get level(): string {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  // pino's own method, which the request line (platform/http/request-log.ts) asks before logging a 2xx at debug:
  // without it that hook threw on every successful Access request, and the onResponse hooks after it never ran.
  isLevelEnabled(level: string): boolean {
    return ((this.#child ?? this.#parent) as unknown as Logger).isLevelEnabled(level);
  }

  fatal(...args: unknown[]): void {
    (this.#logger().fatal as LogMethod)(...args);
  }
  error(...args: unknown[]): void {
    (this.#logger().error as LogMethod)(...args);
  }
  warn(...args: unknown[]): void {
    (this.#logger().warn as LogMethod)(...args);
  }
  info(...args: unknown[]): void {
    (this.#logger().info as LogMethod)(...args);
  }
  debug(...args: unknown[]): void {
    (this.#logger().debug as LogMethod)(...args);
  }
  trace(...args: unknown[]): void {
    (this.#logger().trace as LogMethod)(...args);
  }
  silent(...args: unknown[]): void {
    (this.#logger().silent as LogMethod)(...args);
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options);
  }
}

/** A route's `childLoggerFactory`: request.log as Fastify would make it, but built on first use. */
export function deferredRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new DeferredRequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
