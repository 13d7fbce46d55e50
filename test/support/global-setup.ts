// Runs once before the suite: builds dist/ so every test that spawns `ofconnect` runs the same compiled code a
// user's `npm start` runs (the bin falls back to the TypeScript sources only when dist/ is stale).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default async function setup(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
}
