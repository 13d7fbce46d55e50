// Traces (OpenTelemetry). Off unless an OTLP endpoint is configured: then the service's tracer is the API's no-op one,
// no hook is installed and no SDK module is even loaded, so tracing costs nothing. On, each service owns its tracer
// provider (never registered globally: tests run several services in one process) and hands its tracer to the
// code it instruments through the context. What is shared process-wide is the context manager (OpenTelemetry's own,
// on AsyncLocalStorage), which carries the active span from a request into the use cases it calls, e.g. the outbox
// write that stores the request's traceparent for the webhook worker. It is registered while at least one service
// traces.
import fs from 'node:fs';
import {
  context,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type ContextManager,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { packagePath } from './package-root.ts';

export interface Tracing {
  /** False: spans are never recorded; instrumented code may skip its tracing work altogether. */
  readonly isEnabled: boolean;
  /** The service's tracer (the API's no-op tracer when tracing is off). */
  readonly tracer: Tracer;
  /** Exports every span ended so far (tests; shutdown does it too). */
  flush(): Promise<void>;
  /** Flushes and stops the exporter; the tracer records nothing afterwards. */
  shutdown(): Promise<void>;
}

/** A provider with no delegate: its tracers are the API's no-op tracer, whatever another library registers globally. */
const noopTracer = new ProxyTracerProvider().getTracer('ofconnect');

export const tracingOff: Tracing = {
  isEnabled: false,
  tracer: noopTracer,
  flush: async () => {},
  shutdown: async () => {},
};

export type TracingConfig = Pick<
  Config,
  'otlpTracesEndpoint' | 'otlpHeaders' | 'otelSdkDisabled' | 'otelServiceName' | 'otelResourceAttributes' | 'otelTracesSampler' | 'otelTracesSamplerRatio'
>;

export function isTracingConfigured(config: TracingConfig): boolean {
  return config.otlpTracesEndpoint !== null && !config.otelSdkDisabled;
}

/** The service's tracing: off (tracingOff) unless configured; on, a provider exporting to the OTLP/HTTP endpoint. */
export async function createTracing(config: TracingConfig, logger: Logger): Promise<Tracing> {
  if (!isTracingConfigured(config) || config.otlpTracesEndpoint === null) return tracingOff;
  // Loaded only when tracing is on: a service without it does not pay for the SDK at start.
  const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { AsyncLocalStorageContextManager }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/context-async-hooks'),
    ]);
  const exporter = new OTLPTraceExporter({ url: config.otlpTracesEndpoint, headers: { ...config.otlpHeaders } });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...config.otelResourceAttributes,
      'service.name': config.otelServiceName,
      'service.version': packageVersion(),
    }),
    sampler: await samplerFor(config),
    spanProcessors: [new BatchSpanProcessor(reportingFailures(exporter, logger, config.otlpTracesEndpoint))],
  });
  const releaseContextManager = holdContextManager(() => new AsyncLocalStorageContextManager());
  let isShutDown = false;
  return {
    isEnabled: true,
    tracer: provider.getTracer('ofconnect', packageVersion()),
    flush: () => provider.forceFlush(),
    async shutdown() {
      if (isShutDown) return;
      isShutDown = true;
      try {
        await provider.shutdown();
      } finally {
        releaseContextManager();
      }
    },
  };
}

async function samplerFor(config: TracingConfig) {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = await import('@opentelemetry/sdk-trace-base');
  const ratio = () => new TraceIdRatioBasedSampler(config.otelTracesSamplerRatio);
  switch (config.otelTracesSampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

type Exporter = ConstructorParameters<typeof import('@opentelemetry/sdk-trace-base').BatchSpanProcessor>[0];

/** The exporter, logging failed exports (the SDK reports them only to its own diagnostics, silent by default): once,
 *  then again only after exports worked in between, so a collector that is down is one line, not one per batch. */
function reportingFailures(exporter: Exporter, logger: Logger, endpoint: string): Exporter {
  let isFailing = false;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        const failed = result.code !== 0;
        if (failed && !isFailing) logger.warn({ endpoint: redactedEndpoint(endpoint), err: result.error }, 'exporting traces failed; spans are dropped until the collector answers');
        isFailing = failed;
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/** The endpoint without credentials a URL may carry. */
function redactedEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '[invalid url]';
  }
}

let version: string | null = null;
function packageVersion(): string {
  version ??= (JSON.parse(fs.readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
  return version;
}

// Services tracing in this process: the context manager is registered while there is one. (On Node 20,
// AsyncLocalStorage turns on promise hooks for the whole process, so it is not left behind when no one traces.)
let holders = 0;
let registered: ContextManager | null = null;

function holdContextManager(makeManager: () => ContextManager): () => void {
  holders += 1;
  if (holders === 1) {
    // OpenTelemetry's own AsyncLocalStorage manager (@opentelemetry/context-async-hooks), enabled before it is set.
    const manager = makeManager().enable();
    // False when another library registered one first: then that one carries the context, which is as good.
    registered = context.setGlobalContextManager(manager) ? manager : null;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders -= 1;
    if (holders === 0 && registered) {
      context.disable();
      registered = null;
    }
  };
}

/** The W3C traceparent of the active span (the request being served), to hand to background work; null when none
 *  is being recorded. */
export function activeTraceparent(): string | null {
  const span = trace.getSpan(context.active());
  if (!span) return null;
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!trace.isSpanContextValid(span.spanContext())) return null;
  return `00-${traceId}-${spanId}-${(traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}`;
}

// W3C Trace Context: version 00 exactly; a later version may add fields after these (ff is invalid).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The context a traceparent names (an incoming header, or one stored with background work), as the parent of work
 *  done on its behalf; ROOT_CONTEXT when absent or malformed. */
export function contextOfTraceparent(traceparent: string | null | undefined): Context {
  const match = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  if (!match || match[1] === 'ff' || (match[1] === '00' && match[5] !== undefined)) return ROOT_CONTEXT;
  const spanContext = { traceId: match[2], spanId: match[3], traceFlags: parseInt(match[4], 16) & TraceFlags.SAMPLED, isRemote: true };
  if (!trace.isSpanContextValid(spanContext)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

/** Ends a span as failed with this error's type (our error code when it has one); the message, never details. */
export function endSpanWithError(span: Span, errorType: string, message?: string): void {
  span.setAttribute('error.type', errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, ...(message ? { message } : {}) });
  span.end();
}
