// A client generated from the served OpenAPI document, as an integrator would make one: openapi-typescript writes the
// types, a small program calls the service through openapi-fetch, the TypeScript compiler checks it (strict, no
// error; a misspelt path and a wrong field type are errors), and the compiled program, run by Node in its own
// process, gets the organization and its connections from a running service.
import { execFile } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../src/platform/package-root.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { childMarker, makeTempDir, removeTempDir } from '../support/test-run.ts';

const RUN_TIMEOUT_MS = 30_000;

const CLIENT = `import createClient from 'openapi-fetch';
import type { paths } from './api.js';

export interface Answer {
  organization: string;
  permissions: string[];
  connectionIds: string[];
  usernames: string[];
}

export async function callService(baseUrl: string, apiKey: string): Promise<Answer> {
  const client = createClient<paths>({ baseUrl, headers: { apikey: apiKey } });
  const whoami = await client.GET('/v2/account/whoami');
  if (whoami.error) throw new Error(\`whoami: \${whoami.error.type}: \${whoami.error.message}\`);
  const connections = await client.GET('/v2/account/connections', { params: { query: { imported: 'true', limit: 10 } } });
  if (connections.error) throw new Error(\`connections: \${connections.error.type}: \${connections.error.message}\`);
  return {
    organization: whoami.data.id,
    permissions: whoami.data.permissions,
    connectionIds: connections.data.list.map((connection) => connection.id),
    usernames: connections.data.list.map((connection) => connection.userData.username),
  };
}
`;

const MAIN = `import { callService } from './client.js';

const [baseUrl, apiKey] = process.argv.slice(2);
process.stdout.write(JSON.stringify(await callService(baseUrl!, apiKey!)));
`;

// What the types must refuse: a path the API does not have, a field read as the wrong type, an unknown query value.
const MISTAKES = `import createClient from 'openapi-fetch';
import type { paths } from './api.js';

const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:1' });
await client.GET('/v2/account/whoamii');
const whoami = await client.GET('/v2/account/whoami');
const id: number = whoami.data!.id;
await client.GET('/v2/account/connections', { params: { query: { status: 'deleted' } } });
void id;
`;

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  skipLibCheck: true,
  types: ['node'],
};

/**
 * Compiles the entries in one program (the generated types are checked once) and emits JavaScript beside them in
 * out/; the diagnostics, as "file:line TScode: message".
 */
function compile(dir: string, entries: string[]): string[] {
  const program = ts.createProgram(
    entries.map((entry) => path.join(dir, entry)),
    { ...COMPILER_OPTIONS, outDir: path.join(dir, 'out'), typeRoots: [packagePath('node_modules', '@types')] },
  );
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  return diagnostics.map((d) => {
    const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

// The document does not depend on the database, so one backend is enough.
describe('a client generated from the OpenAPI document', () => {
  let t: TestService;
  let dir: string;
  let connectionId: string;
  let username: string;
  let diagnostics: string[];

  beforeAll(async () => {
    t = await startTestService('pglite');
    dir = makeTempDir('generated-client');
    // The project's installed packages, as an integrator's node_modules would hold them.
    symlinkSync(packagePath('node_modules'), path.join(dir, 'node_modules'), 'dir');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'generated-client', private: true, type: 'module' }));
    const document = await call(t.url, 'GET', '/openapi.json');
    expect(document.status).toBe(200);
    writeFileSync(path.join(dir, 'api.ts'), astToString(await openapiTS(document.body)));
    writeFileSync(path.join(dir, 'client.ts'), CLIENT);
    writeFileSync(path.join(dir, 'main.ts'), MAIN);
    writeFileSync(path.join(dir, 'mistakes.ts'), MISTAKES);

    diagnostics = compile(dir, ['main.ts', 'mistakes.ts']);

    const session = await mintSandboxSession(t.sandboxUrl, 'generated-client@creator.sandbox.com');
    const imported = await call(t.url, 'POST', '/v2/account/connections/import', { key: t.adminKey, body: { cookie: session.cookie, userAgent: session.userAgent } });
    expect(imported.status).toBe(201);
    connectionId = imported.body.id;
    username = imported.body.userData.username;
  });
  afterAll(async () => {
    if (dir) removeTempDir(dir);
    await t?.close();
  });

  it('refuses a misspelt path, a field read as the wrong type and a query value the API does not take', () => {
    const mistakes = diagnostics.filter((line) => line.startsWith('mistakes.ts:'));
    expect(mistakes).toHaveLength(3);
    expect(mistakes[0]).toMatch(/^mistakes\.ts:5 /);
    expect(mistakes[1]).toMatch(/^mistakes\.ts:7 TS2322: Type 'string' is not assignable to type 'number'/);
    expect(mistakes[2]).toMatch(/^mistakes\.ts:8 TS2322: Type '"deleted"' is not assignable/);
  });

  it('a program calling whoami and the connection list type-checks, strict, with no error, and gets both from the running service', { timeout: RUN_TIMEOUT_MS + 10_000 }, async () => {
    expect(diagnostics.filter((line) => !line.startsWith('mistakes.ts:'))).toEqual([]);
    const run = await promisify(execFile)(process.execPath, [path.join(dir, 'out', 'main.js'), t.url, t.adminKey], {
      timeout: RUN_TIMEOUT_MS,
      env: { ...process.env, ...childMarker() },
    });
    const answer = JSON.parse(run.stdout) as { organization: string; permissions: string[]; connectionIds: string[]; usernames: string[] };
    expect(answer.organization).toBe(t.orgId);
    expect(answer.permissions).toContain('ACCOUNT');
    expect(answer.connectionIds).toContain(connectionId);
    expect(answer.usernames).toContain(username);
  });
});
