// The dashboard's client files, as scripts/build.mjs left them in dist/dashboard: content-hashed names (so they can be
// cached for a year) and manifest.json naming the entry script and stylesheet. Read once at start and gzipped once,
// so a request costs neither a disk read nor compression.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { staticAsset, type StaticAsset } from '../platform/http/static-asset.ts';
import { packagePath } from '../platform/package-root.ts';

export const DASHBOARD_BUILD_DIR = packagePath('dist/dashboard');
/** Written by scripts/build.mjs beside the files it names. */
export const MANIFEST_FILE = 'manifest.json';

export interface DashboardAssets {
  /** Hashed file name → file. */
  files: ReadonlyMap<string, StaticAsset>;
  script: string;
  stylesheet: string;
}

interface Manifest {
  script: string;
  stylesheet: string;
  files: string[];
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function isManifest(value: unknown): value is Manifest {
  const candidate = value as Partial<Manifest> | null;
  return typeof candidate?.script === 'string' && typeof candidate.stylesheet === 'string' && Array.isArray(candidate.files);
}

/** The built files, or null when there is no build (the sources run without `npm run build`). */
export function loadDashboardAssets(dir = DASHBOARD_BUILD_DIR): DashboardAssets | null {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST_FILE), 'utf8'));
  } catch {
    return null;
  }
  if (!isManifest(manifest)) return null;
  const files = new Map<string, StaticAsset>();
  for (const name of manifest.files) {
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (!contentType || name.includes('/')) continue;
    const body = readFileSync(path.join(dir, name));
    files.set(name, staticAsset(body, contentType, { compress: true }));
  }
  return { files, script: manifest.script, stylesheet: manifest.stylesheet };
}
