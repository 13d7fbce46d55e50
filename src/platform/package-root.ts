// The repository root, found from any module: code runs from src/ (tsx, tests) or from the dist/ bundle, so files
// shipped beside the code (migrations, Link page assets) are located from the root, not from a module's own path.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function packageRoot(): string {
  if (cached) return cached;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'ofconnect') return (cached = dir);
    if (path.dirname(dir) === dir) throw new Error(`ofconnect's package.json not found above ${start}`);
  }
}

export function packagePath(...segments: string[]): string {
  return path.join(packageRoot(), ...segments);
}
