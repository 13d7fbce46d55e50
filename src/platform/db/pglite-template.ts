// A first start copies the install's prebuilt embedded database (scripts/pglite-template.mjs, made by `npm install`)
// instead of running initdb: about 5 s of WebAssembly, most of a first start. The copy is used only when it was made
// by the PGlite version installed now (the data directory's format is PGlite's); migrations it lacks are applied by
// the start's migrate step as on any start.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagePath } from '../package-root.ts';

const TEMPLATE_DIR = packagePath('node_modules/.cache/ofconnect/pglite-template');
const TEMPLATE_STAMP = packagePath('node_modules/.cache/ofconnect/pglite-template.json');

function installedPgliteVersion(): string | null {
  try {
    // The package's entry point is dist/index.js; its manifest is one level up.
    const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
    return (JSON.parse(fs.readFileSync(path.join(path.dirname(entry), '../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** Copies the template into an empty data directory; false when there is no usable template (initdb then). */
export function copyPrebuiltPgliteTemplate(dataDir: string): boolean {
  let stamp: { pglite?: string };
  try {
    stamp = JSON.parse(fs.readFileSync(TEMPLATE_STAMP, 'utf8')) as { pglite?: string };
  } catch {
    return false;
  }
  if (!stamp.pglite || stamp.pglite !== installedPgliteVersion() || !fs.existsSync(path.join(TEMPLATE_DIR, 'PG_VERSION'))) return false;
  // Copied beside the data directory and renamed into place: a start killed mid-copy leaves no half cluster that the
  // next start would take for an initialised one.
  const staging = `${dataDir}.copying-${process.pid}`;
  try {
    fs.cpSync(TEMPLATE_DIR, staging, { recursive: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.renameSync(staging, dataDir);
    return true;
  } catch {
    fs.rmSync(staging, { recursive: true, force: true });
    return false;
  }
}
