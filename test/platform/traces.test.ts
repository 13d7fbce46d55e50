// Traces: a service pointed at an in-process OTLP/HTTP collector exports one tree per request — the request's server
// span, its upstream call as a child (retries as events), and the webhook attempt the request queued, joined to the
// same trace through the outbox — plus a span per monitor check; with no endpoint (or OTEL_SDK_DISABLED) nothing is
// exported. The histograms added beside them are read through GET /metrics.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/platform/db/sql.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createTracing } from '../../src/platform/tracing.ts';
import { ALL_PERMISSIONS, access, clearFaults, injectFault } from '../access/access-fixture.ts';
import { releaseAll } from '../support/cleanup.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createLinkConnection } from '../support/link-connections.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startReceiver, type Receiver } from '../webhooks/receiver.ts';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  status: { code?: number };
}

interface Collector {
  url: string;
  /** Every request body received, as sent (to search for secrets). */
  bodies: string[];
  spans(): ExportedSpan[];
  close(): Promise<void>;
}

const SPAN_KIND = { internal: 1, server: 2, client: 3 };

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpAttributes = Array<{ key: string; value: OtlpValue }> | undefined;

function attributesOf(list: OtlpAttributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    out[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.boolValue ?? value.doubleValue;
  }
  return out;
}

/** An OTLP/HTTP collector: a plain HTTP server keeping the JSON bodies posted to /v1/traces. */
async function startCollector(): Promise<Collector> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      if (req.method === 'POST' && req.url === '/v1/traces') bodies.push(body);
      res.writeHead(req.url === '/v1/traces' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    spans: () =>
      bodies.flatMap((body) =>
        (JSON.parse(body).resourceSpans ?? []).flatMap((rs: any) =>
          (rs.scopeSpans ?? []).flatMap((ss: any) =>
            (ss.spans ?? []).map(
              (s: any): ExportedSpan => ({
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                name: s.name,
                kind: s.kind,
                attributes: attributesOf(s.attributes),
                events: (s.events ?? []).map((e: any) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
                status: s.status ?? {},
              }),
            ),
          ),
        ),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';

describe('tracing configuration from the standard variables', () => {
  const configFrom = (env: Record<string, string>) => loadConfig({}, env);

  it('is off without an endpoint; OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces appended, the traces variable is used as given', () => {
    expect(configFrom({}).otlpTracesEndpoint).toBeNull();
    expect(configFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).otlpTracesEndpoint).toBe('http://collector:4318/v1/traces');
    expect(
      configFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp' }).otlpTracesEndpoint,
    ).toBe('https://traces.example/otlp');
  });

  it('reads headers (traces-specific ones win), the service name, OTEL_SDK_DISABLED and the sampler; refuses gRPC', () => {
    const config = configFrom({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=a%3Db,x-team=core',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=traces',
      OTEL_SERVICE_NAME: 'ofconnect-eu',
      OTEL_SDK_DISABLED: 'true',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(config.otlpHeaders).toEqual({ 'x-api-key': 'a=b', 'x-team': 'traces' });
    expect(config).toMatchObject({ otelServiceName: 'ofconnect-eu', otelSdkDisabled: true, otelTracesSampler: 'parentbased_traceidratio', otelTracesSamplerRatio: 0.25 });
    expect(configFrom({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,deployment.environment=prod' })).toMatchObject({
      otelServiceName: 'from-attributes',
      otelResourceAttributes: { 'service.name': 'from-attributes', 'deployment.environment': 'prod' },
    });
    expect(() => configFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTLP\/HTTP/);
    expect(() => configFrom({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER/);
  });
});

describe.each(BACKENDS)('traces exported over OTLP/HTTP (%s)', (backend) => {
  let collector: Collector;
  let receiver: Receiver;
  let t: TestService;
  beforeAll(async () => {
    collector = await startCollector();
    receiver = await startReceiver();
    t = await startTestService(backend, { config: { otlpTracesEndpoint: `${collector.url}/v1/traces` } });
  });
  afterAll(() => releaseAll(() => t?.close(), () => receiver?.close(), () => collector?.close()));

  /** Flushes the service's spans until `find` sees what it waits for (spans end after their work is recorded). */
  async function exported<T>(find: (spans: ExportedSpan[]) => T | undefined, what: string): Promise<NonNullable<T>> {
    return (await eventually(
      async () => {
        await t.service.ctx.tracing.flush();
        return find(collector.spans()) ?? null;
      },
      { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, intervalMs: 50, what },
    )) as NonNullable<T>;
  }

  async function newOrg(name: string) {
    const orgId = await createOrg(t.database.handle, name);
    const key = (await createKey(t.database.handle, orgId)).secret;
    return { orgId, key };
  }

  it("one request's tree: its server span continues the incoming traceparent, its upstream call is a child with the retry as an event, and the webhook it queued is attempted in the same trace", async () => {
    const { orgId, key } = await newOrg('Traced');
    const endpoint = await call(t.url, 'POST', '/v2/webhooks/endpoints', { key, body: { url: `${receiver.url}/traced`, eventTypes: ['connection.created'] } });
    expect(endpoint.status).toBe(201);

    // The request that queues a webhook, sent with a traceparent as a caller's own tracing would.
    const session = await mintSandboxSession(t.sandboxUrl, `traced${Date.now().toString(36)}@creator.sandbox.com`);
    const imported = await call(t.url, 'POST', '/v2/account/connections/import', {
      key,
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` },
      body: { cookie: session.cookie, userAgent: session.userAgent, permissions: ALL_PERMISSIONS },
    });
    expect(imported.status).toBe(201);
    const connectionId: string = imported.body.id;

    // An Access request going upstream, whose first attempt gets a 500 and is retried.
    await injectFault(t, { kind: '500', count: 1, pathPrefix: '/api2/v2/users/me' });
    try {
      const self = await access(t, connectionId, 'GET', '/v2/access/self', { key });
      expect(self.status).toBe(200);
    } finally {
      await clearFaults(t);
    }

    // This request's span: other tests of the file import too, and run in any order.
    const importSpan = await exported(
      (spans) => spans.find((s) => s.name === 'POST /v2/account/connections/import' && s.traceId === TRACE_ID),
      'the import request span, in the incoming trace',
    );
    expect(importSpan).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT_SPAN_ID, kind: SPAN_KIND.server });
    expect(importSpan.attributes).toMatchObject({ 'http.route': '/v2/account/connections/import', 'http.response.status_code': 201, 'ofconnect.org.id': orgId });

    const attempt = await exported((spans) => spans.find((s) => s.name === 'webhook connection.created' && s.traceId === TRACE_ID), 'the webhook attempt span');
    expect(attempt.parentSpanId).toBe(importSpan.spanId);
    expect(attempt.kind).toBe(SPAN_KIND.client);
    expect(attempt.attributes).toMatchObject({
      'ofconnect.org.id': orgId,
      'ofconnect.webhook.endpoint_id': endpoint.body.id,
      'ofconnect.webhook.attempt': 1,
      'ofconnect.webhook.outcome': 'succeeded',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
    });
    expect(receiver.received.some((d) => d.webhookId === attempt.attributes['ofconnect.webhook.message_id'])).toBe(true);

    const request = await exported((spans) => spans.find((s) => s.name === 'GET /v2/access/self' && s.attributes['ofconnect.connection.id'] === connectionId), 'the Access request span');
    expect(request.kind).toBe(SPAN_KIND.server);
    expect(request.parentSpanId).toBe('');
    expect(request.attributes).toMatchObject({ 'http.route': '/v2/access/self', 'http.response.status_code': 200, 'ofconnect.org.id': orgId });
    expect(request.events.find((e) => e.name === 'pacing')?.attributes).toMatchObject({ 'ofconnect.pacing.outcome': 'admitted' });

    const upstream = collector.spans().filter((s) => s.parentSpanId === request.spanId);
    expect(upstream).toHaveLength(1);
    expect(upstream[0]).toMatchObject({ traceId: request.traceId, kind: SPAN_KIND.client, name: 'GET /users/me' });
    expect(upstream[0].attributes).toMatchObject({
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'url.template': '/users/me',
      'ofconnect.route': '/v2/access/self',
      'ofconnect.connection.id': connectionId,
      'http.response.status_code': 200,
      'http.request.resend_count': 1,
    });
    expect(upstream[0].events.map((e) => e.name)).toEqual(['pacing', 'retry']);
    expect(upstream[0].events[0].attributes).toMatchObject({ 'ofconnect.pacing.queued': false, 'ofconnect.pacing.wait_ms': expect.any(Number) });
    expect(upstream[0].events[1].attributes).toMatchObject({ 'ofconnect.upstream.attempt': 1, 'ofconnect.upstream.retry_reason': 'server_error', 'ofconnect.upstream.status': '500' });

    // No secret reaches the collector: not the API key, the session cookie, nor the endpoint's signing secret.
    const everything = collector.bodies.join('\n');
    for (const secret of [key, session.cookie, session.xBc, endpoint.body.secret]) expect(everything).not.toContain(secret);
  });

  it('a failed request carries its error code, a Link client secret in the path is redacted; a monitor check is a span of its own with how late it ran', async () => {
    const { orgId, key } = await newOrg('Traced failures');
    const refused = await access(t, 'conn_doesnotexist', 'GET', '/v2/access/self', { key });
    expect(refused.status).toBe(401);
    const failed = await exported(
      (spans) => spans.find((s) => s.name === 'GET /v2/access/self' && s.attributes['ofconnect.connection.id'] === 'conn_doesnotexist'),
      'the refused request span',
    );
    expect(failed.attributes).toMatchObject({ 'error.type': 'SESSION_NOT_PROVIDED', 'http.response.status_code': 401, 'ofconnect.org.id': orgId });

    // A Link client secret in the path is a bearer token: the span names the route and keeps the path without it.
    const secret = `cs_${Date.now().toString(36)}TracedSecret`;
    const link = await call(t.url, 'GET', `/v2/link/${secret}?state=private`, { key });
    const linkSpan = await exported((spans) => spans.find((s) => s.name === 'GET /v2/link/:clientSecret'), 'the Link status span');
    expect(linkSpan.attributes).toMatchObject({ 'url.path': '/v2/link/cs_[redacted]', 'http.route': '/v2/link/:clientSecret', 'http.response.status_code': link.status });
    expect(collector.bodies.join('\n')).not.toContain(secret.slice(3));

    // Due a minute ago: the service's own monitor worker checks it.
    const { row } = await createLinkConnection(t.service.ctx, t.sandboxUrl, { orgId, nextCheckAt: new Date(Date.now() - 60_000) });
    const check = await exported((spans) => spans.find((s) => s.name === 'monitor check' && s.attributes['ofconnect.connection.id'] === row.id), 'the monitor check span');
    expect(check.parentSpanId).toBe('');
    expect(check.attributes).toMatchObject({ 'ofconnect.org.id': orgId, 'ofconnect.monitor.outcome': 'active' });
    expect(check.attributes['ofconnect.monitor.lateness_ms']).toBeGreaterThanOrEqual(60_000);
    expect(check.events.find((e) => e.name === 'pacing')?.attributes).toMatchObject({ 'ofconnect.pacing.outcome': 'admitted' });
  });

  it('GET /metrics has the latency histograms: upstream attempts by route and outcome, pacing wait, webhook attempts and monitor check lateness; scrapes are not traced', async () => {
    const { orgId, key } = await newOrg('Histograms');
    await call(t.url, 'POST', '/v2/webhooks/endpoints', { key, body: { url: `${receiver.url}/histograms`, eventTypes: ['connection.created'] } });
    const session = await mintSandboxSession(t.sandboxUrl, `hist${Date.now().toString(36)}@creator.sandbox.com`);
    const imported = await call(t.url, 'POST', '/v2/account/connections/import', {
      key,
      body: { cookie: session.cookie, userAgent: session.userAgent, permissions: ALL_PERMISSIONS },
    });
    expect(imported.status).toBe(201);
    await injectFault(t, { kind: '500', count: 1, pathPrefix: '/api2/v2/users/me' });
    try {
      expect((await access(t, imported.body.id, 'GET', '/v2/access/self', { key })).status).toBe(200);
    } finally {
      await clearFaults(t);
    }
    await receiver.waitFor((received) => received.some((d) => d.path === '/histograms'), WORKER_PROGRESS_TIMEOUT_MS);
    const { row } = await createLinkConnection(t.service.ctx, t.sandboxUrl, { orgId, nextCheckAt: new Date(Date.now() - 120_000) });

    const scrape = async () => (await call<string>(t.url, 'GET', '/metrics')).body;
    const count = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"/]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    const text = await eventually(
      async () => {
        // The check is recorded once the worker has run it (lateness is observed as it starts), so the scrape comes
        // after the row says so: scraped before, it could miss this check's observation (and see only another test's).
        const checked = rowsOf<{ last_checked_at: unknown }>(await t.database.handle.db.execute(sql`select last_checked_at from connections where id = ${row.id}`));
        if (checked[0]?.last_checked_at == null) return null;
        const body = await scrape();
        return count(body, 'ofconnect_webhook_attempt_duration_seconds_count') > 0 ? body : null;
      },
      { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'a webhook attempt and a monitor check observed' },
    );
    expect(count(text, 'ofconnect_access_upstream_duration_seconds_count{route="/v2/access/self",outcome="server_error"}')).toBeGreaterThanOrEqual(1);
    expect(count(text, 'ofconnect_access_upstream_duration_seconds_count{route="/v2/access/self",outcome="success"}')).toBeGreaterThanOrEqual(1);
    expect(count(text, 'ofconnect_access_pacing_wait_seconds_count{outcome="admitted"}')).toBeGreaterThanOrEqual(1);
    // Checks due two minutes ago: at least one observation past a minute late.
    expect(count(text, 'ofconnect_monitor_check_lateness_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(count(text, 'ofconnect_monitor_check_lateness_seconds_sum')).toBeGreaterThanOrEqual(120);
    expect(count(text, 'ofconnect_monitor_check_lateness_seconds_count') - count(text, 'ofconnect_monitor_check_lateness_seconds_bucket{le="60"}')).toBeGreaterThanOrEqual(1);

    // Scrapes (and health probes) are not traced: every few seconds each, they would bury the traces worth reading.
    expect((await call(t.url, 'GET', '/healthz')).status).toBe(200);
    await t.service.ctx.tracing.flush();
    expect(collector.spans().filter((s) => ['GET /metrics', 'GET /healthz'].includes(s.name))).toEqual([]);
  });
});

describe('no traces unless configured', () => {
  let collector: Collector;
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(() => collector?.close());

  const traceOneSpan = async (overrides: Parameters<typeof loadConfig>[0]) => {
    const tracing = await createTracing(loadConfig(overrides, {}), createLogger('silent'));
    const span = tracing.tracer.startSpan('probe');
    const isRecording = span.isRecording();
    span.end();
    // Shutting down flushes: whatever a provider holds would reach the collector now.
    await tracing.shutdown();
    return { isEnabled: tracing.isEnabled, isRecording };
  };

  it('without an endpoint, or with one and OTEL_SDK_DISABLED, the tracer records nothing and nothing reaches the collector; with one, the span does', async () => {
    expect(await traceOneSpan({})).toEqual({ isEnabled: false, isRecording: false });
    expect(await traceOneSpan({ otlpTracesEndpoint: `${collector.url}/v1/traces`, otelSdkDisabled: true })).toEqual({ isEnabled: false, isRecording: false });
    expect(collector.bodies).toEqual([]);

    expect(await traceOneSpan({ otlpTracesEndpoint: `${collector.url}/v1/traces` })).toEqual({ isEnabled: true, isRecording: true });
    expect(collector.spans().map((s) => s.name)).toEqual(['probe']);
  });
});
