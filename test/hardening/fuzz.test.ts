// A bounded schema-driven fuzz run over every operation in /openapi.json (test/hardening/fuzz-engine.ts): no 5xx,
// every refusal in the error shape, no state changed by a refused write. `npm run fuzz` runs the long version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { operationsOf, runFuzz } from './fuzz-engine.ts';
import { effectiveReply, isUnfuzzable, relaysUpstreamReplies, startFuzzTarget, type FuzzTarget } from './fuzz-target.ts';

const SEED = Number(process.env.OFCONNECT_FUZZ_SEED ?? 20261130);
const ITERATIONS = Number(process.env.OFCONNECT_FUZZ_ITERATIONS ?? 8);

describe.each(BACKENDS)('schema-driven fuzz (%s)', (backend) => {
  let target: FuzzTarget;
  beforeAll(async () => {
    target = await startFuzzTarget(backend);
  }, 60_000);
  afterAll(async () => target?.service.close());

  it('fuzzes every operation of the published document', () => {
    const operations = operationsOf(target.document);
    expect(operations.length).toBeGreaterThan(100);
    // A route added to the service is in the document, so in the fuzz: spot-check a few families.
    const names = operations.map((operation) => `${operation.method} ${operation.path}`);
    expect(names).toEqual(expect.arrayContaining(['PATCH /v2/account/settings', 'GET /v2/account/connections/{connectionId}', 'POST /v2/link/init']));
    expect(operations.filter((operation) => operation.body).length).toBeGreaterThan(20);
    // The MCP path is one operation of the document; each of its tools is fuzzed as an operation of its own.
    const tools = target.toolOperations.map((operation) => operation.label);
    expect(tools.length).toBeGreaterThan(100);
    expect(tools).toEqual(expect.arrayContaining(['POST /v2/mcp tool chats_list_messages', 'POST /v2/mcp tool users_lists_create', 'POST /v2/mcp tool list_connections']));
  });

  it(`no 5xx, the error shape on every refusal and no state changed by a refused write (seed ${SEED})`, async () => {
    const report = await runFuzz(
      {
        baseUrl: target.service.url,
        apiKey: target.service.adminKey,
        seed: SEED,
        iterations: ITERATIONS,
        stateDigest: target.digest,
        knownValues: target.knownValues,
        relaysUpstreamReplies,
        skip: isUnfuzzable,
        extraOperations: target.toolOperations,
        effectiveReply,
      },
      target.document,
    );
    expect(report.operations).toBeGreaterThan(operationsOf(target.document).length + 100);
    expect(report.requests).toBeGreaterThan(report.operations * ITERATIONS * 0.8);
    expect(report.findings, JSON.stringify(report.findings.slice(0, 20), null, 2)).toEqual([]);
  }, 240_000);
});
