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
  // Dependencies stay external (node_modules), except those bundled to be tree-shaken (below).
  plugins: [externalExcept(['@faker-js/faker'])],
  logLevel: 'warning',
};

/**
 * Leaves every package import to node_modules except the named packages, which are bundled so esbuild keeps only
 * what we use. @faker-js/faker: the sandbox uses its Faker class and English data, but its index loads every locale,
 * ~34 MB of resident memory for a service that never reads them (bundled: ~0.5 MB of code).
 */
function externalExcept(bundled) {
  const isBundled = (specifier) => bundled.some((name) => specifier === name || specifier.startsWith(`${name}/`));
  return {
    name: 'external-except',
    setup(build) {
      // Bare specifiers only (package names and node: built-ins); relative and absolute paths are our own files.
      build.onResolve({ filter: /^[^./]/ }, (args) => (isBundled(args.path) ? undefined : { path: args.path, external: true }));
    },
  };
}
