// The embedded database's starting point, built once per install: an initialised (initdb) and migrated PGlite
// cluster that a first start copies into its data directory instead of running initdb (about 5 s of WebAssembly on
// this machine, most of a first start). Rebuilt when the installed PGlite or the committed migrations change; a
// first start then applies whatever migrations the copy lacks, as any start does. The service finds it through
// src/platform/db/pglite-template.ts, which reads the stamp written here.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where the template lives: a cache of this install (npm ci removes it; the next build makes it again). */
export function templatePaths(root) {
  const cache = path.join(root, 'node_modules/.cache/ofconnect');
  return { cache, dir: path.join(cache, 'pglite-template'), stamp: path.join(cache, 'pglite-template.json') };
}

function pgliteVersion(root) {
  return JSON.parse(readFileSync(path.join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version;
}

/** A hash of every committed migration file, so an edited or added migration rebuilds the template. */
function migrationsHash(root) {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else hash.update(path.relative(root, full)).update('\0').update(readFileSync(full)).update('\0');
    }
  };
  walk(path.join(root, 'drizzle'));
  return hash.digest('hex');
}

/** Builds the template unless the one there matches this install; returns what it did, for the build's output. */
export async function ensurePgliteTemplate(root) {
  const paths = templatePaths(root);
  const wanted = { pglite: pgliteVersion(root), migrations: migrationsHash(root) };
  if (existsSync(paths.stamp) && existsSync(path.join(paths.dir, 'PG_VERSION'))) {
    const have = JSON.parse(readFileSync(paths.stamp, 'utf8'));
    if (have.pglite === wanted.pglite && have.migrations === wanted.migrations) return 'up to date';
  }
  const started = Date.now();
  mkdirSync(paths.cache, { recursive: true });
  // Built beside the template and swapped in, so a start copying it meanwhile never sees half a cluster.
  const staging = path.join(paths.cache, `pglite-template-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    const client = new PGlite(staging);
    await client.waitReady;
    await migrate(drizzle(client), { migrationsFolder: path.join(root, 'drizzle') });
    await client.close();
    rmSync(paths.stamp, { force: true });
    rmSync(paths.dir, { recursive: true, force: true });
    renameSync(staging, paths.dir);
    writeFileSync(paths.stamp, `${JSON.stringify(wanted)}\n`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return `built in ${((Date.now() - started) / 1000).toFixed(1)} s`;
}
