// A fixed-response stand-in for OnlyFans, in a process of its own (as OnlyFans would be elsewhere), for the benchmarks
// that measure ofconnect's own cost: it answers the profile at /api2/v2/users/me (import validates a session with
// it) and '{}' elsewhere, and publishes dynamic rules. It accepts any signed request: verifying signatures is the
// simulator's job, not a benchmark's.
import { spawn, type ChildProcess } from 'node:child_process';

export const BENCH_USER_ID = 123456789;

function upstreamSource(profile: Record<string, unknown>): string {
  const me = JSON.stringify({ id: BENCH_USER_ID, username: 'bench', name: 'Bench', isAuth: true, ...profile });
  return `
import http from 'node:http';
const rules = JSON.stringify({ static_param: 'benchstaticparam0123456789abcdef', prefix: '12345', suffix: '0a1b2c3d',
  checksum_indexes: [1, 5, 9, 13, 17, 21, 25, 29], checksum_constant: 123, app_token: '33d57ade8c02dbc5a333db99ff9ae26a',
  remove_headers: ['user_id'], revision: '202601010000-0123456789' });
const me = ${JSON.stringify(me)};
const server = http.createServer((req, res) => {
  if (req.url === '/dynamic-rules.json') { res.writeHead(200, { 'content-type': 'application/json' }); res.end(rules); return; }
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(req.url.startsWith('/api2/v2/users/me') ? me : '{}');
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
`;
}

/** Starts the upstream; `profile` adds fields to the users/me reply. Kill `child` when done. */
export async function startFixedUpstream(profile: Record<string, unknown> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', upstreamSource(profile)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk) => resolve(JSON.parse(String(chunk)).port));
    child.once('exit', (code) => reject(new Error(`upstream exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}
