// One autocannon run in its own process (so the load generator does not share an event loop with what it measures);
// returns autocannon's JSON summary.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../src/platform/package-root.ts';

export function runAutocannon(url: string, headers: Record<string, string>, seconds: number, connections: number): Promise<Record<string, any>> {
  const args = [path.join(packageRoot(), 'node_modules/autocannon/autocannon.js'), '-j', '-c', String(connections), '-d', String(seconds)];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      resolve(JSON.parse(out));
    });
  });
}
