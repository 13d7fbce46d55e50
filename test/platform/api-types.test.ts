// The committed client types (test/support/api-types.ts) must be what the served OpenAPI document generates: a route
// added or changed without `npm run api-types` fails here, rather than leaving tests typed against an old API.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TYPES_FILE, REGENERATE_COMMAND, renderApiTypes } from '../support/api-types-generator.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

/** Where two texts first differ, as "line N: committed … / generated …". */
function firstDifference(committed: string, generated: string): string {
  const a = committed.split('\n');
  const b = generated.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}: committed ${JSON.stringify(a[at] ?? '<end>')} / generated ${JSON.stringify(b[at] ?? '<end>')}`;
}

// The document does not depend on the database, so one backend is enough.
describe('the generated API types', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService('pglite');
  });
  afterAll(async () => t?.close());

  it('test/support/api-types.ts is current with GET /openapi.json', async () => {
    const served = await call(t.url, 'GET', '/openapi.json');
    expect(served.status).toBe(200);
    const generated = await renderApiTypes(served.body);
    const committed = readFileSync(API_TYPES_FILE, 'utf8');
    const stale = committed === generated ? null : firstDifference(committed, generated);
    expect(stale, `test/support/api-types.ts is stale (run \`${REGENERATE_COMMAND}\` and commit it); first difference at ${stale}`).toBeNull();
  });
});
