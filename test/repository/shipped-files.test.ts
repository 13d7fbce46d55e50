// The files a self-hosted project ships beside its code stay in step with it: the license package.json names, and an
// .env.example holding every setting the README's configuration table documents.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.ts';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

describe('files shipped with the repository', () => {
  it('LICENSE is the Apache License 2.0 that package.json names', () => {
    expect(JSON.parse(read('package.json')).license).toBe('Apache-2.0');
    const license = read('LICENSE');
    expect(license).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  it('.env.example has every variable of the README configuration table and every one the configuration reads, each with a comment above it', () => {
    const readme = read('README.md');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
    const inReadme = [...table.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((match) => match[1]);
    // platform/config.ts is the only reader of the environment: every variable it reads is named as (env, 'NAME').
    const readByConfig = [...read('src/platform/config.ts').matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)].map((match) => match[1]);
    expect(inReadme.length).toBeGreaterThan(20);
    expect(readByConfig).toContain('OFCONNECT_VAULT_KEYS');
    const documented = [...new Set([...inReadme, ...readByConfig])];
    const example = read('.env.example').split('\n');
    for (const variable of documented) {
      const at = example.findIndex((line) => new RegExp(`^#? ?${variable}=`).test(line));
      expect(at, `${variable} is missing from .env.example`).toBeGreaterThan(0);
      expect(example[at - 1], `${variable} has no comment above it`).toMatch(/^# \S/);
      expect(example[at - 1]).not.toMatch(new RegExp(`^# ?${variable}=`));
    }
  });
});
