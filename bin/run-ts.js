#!/usr/bin/env node
// Runs any TypeScript entry point of this repo (benchmarks, examples) compiled the way the service ships: bundled by
// esbuild with scripts/build.mjs' settings (scripts/compile-options.mjs), rather than through tsx. What a benchmark measures must be the code that
// runs in production: tsx compiles with keepNames, which wraps every function it creates in a naming call (an
// Object.defineProperty for each closure a webhook delivery makes), 2% of the webhook worker's busy time in the
// benchmark's profile, and not in dist/.
import { build } from 'esbuild';
import { compileOptions } from '../scripts/compile-options.mjs';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = process.argv[2];
if (!entry) throw new Error('usage: run-ts.js <file.ts> [args…]');

// Inside the repository, so the bundle resolves the same node_modules and finds the package root (package-root.ts).
const cache = path.join(root, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const outdir = mkdtempSync(path.join(cache, 'ofconnect-run-'));
process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
const result = await build({
  absWorkingDir: root,
  entryPoints: [path.resolve(entry)],
  outdir,
  // Splitting keeps entry-point checks (`import.meta.url === argv[1]`) true only for the entry, as under tsx.
  ...compileOptions,
  sourcemap: 'inline',
  outExtension: { '.js': '.mjs' },
  metafile: true,
});
// With splitting, every dynamically imported module is an entry point of the metafile too: pick the one asked for.
const wanted = path.relative(root, path.resolve(entry)).split(path.sep).join('/');
const compiled = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint === wanted)?.[0];
if (!compiled) throw new Error(`run-ts.js: esbuild produced no output for ${wanted}`);
process.setSourceMapsEnabled(true);
// The compiled script becomes argv[1], as if node had run it directly, so it can tell whether it is the entry point.
process.argv.splice(1, 2, path.resolve(root, compiled));
await import(pathToFileURL(path.resolve(root, compiled)).href);
