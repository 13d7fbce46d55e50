// How this repository's TypeScript becomes the JavaScript that runs: one set of esbuild settings for the service's
// dist/ (scripts/build.mjs) and for benchmarks and examples (bin/run-ts.js), so what a benchmark measures is compiled
// the way the service ships.
export const compileOptions = {
  bundle: true,
  // Each dynamically imported module keeps a file (and an import.meta.url) of its own.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies stay external (node_modules).
  packages: 'external',
  logLevel: 'warning',
};
