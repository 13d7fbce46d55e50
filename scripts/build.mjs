// Compiles src/ into dist/ with esbuild (~0.2 s), and makes the embedded database template once per install. The service runs from dist/: plain JavaScript starts faster and
// uses less memory than compiling TypeScript at run time. Dependencies stay external (node_modules).
import { build } from 'esbuild';
import { compileOptions } from './compile-options.mjs';
import { ensurePgliteTemplate } from './pglite-template.mjs';
import { rmSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Build next to dist and swap it in, so a process starting meanwhile never sees half a build.
const staging = path.join(root, `.dist-${process.pid}`);
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outdir: staging,
  ...compileOptions,
  sourcemap: true,
});
await buildDashboardClient(path.join(staging, 'dashboard'));
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
renameSync(staging, path.join(root, 'dist'));

// The embedded database a first start copies instead of running initdb (scripts/pglite-template.mjs): built at
// `npm install` and kept while PGlite and the migrations stay the same, so later builds skip it.
// Without it a first start runs initdb instead (slower, same result), so a failure here is a warning, not a failed build.
try {
  const template = await ensurePgliteTemplate(root);
  if (template !== 'up to date') console.error(`ofconnect: embedded database template ${template}`);
} catch (error) {
  console.error(`ofconnect: no embedded database template (first starts will run initdb): ${error.message}`);
}

/**
 * The dashboard's browser app (src/dashboard/client, preact + JSX) into dist/dashboard: minified, content-hashed file
 * names (served with a year of caching) and manifest.json naming them for the server (src/dashboard/assets.ts).
 */
async function buildDashboardClient(outdir) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { dashboard: 'src/dashboard/client/main.tsx' },
    outdir,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const files = Object.keys(result.metafile.outputs).map((output) => path.basename(output));
  const script = files.find((file) => file.endsWith('.js'));
  const stylesheet = files.find((file) => file.endsWith('.css'));
  if (!script || !stylesheet) throw new Error(`the dashboard build made no script or stylesheet: ${files.join(', ')}`);
  writeFileSync(path.join(outdir, 'manifest.json'), JSON.stringify({ script, stylesheet, files }, null, 2));
}
