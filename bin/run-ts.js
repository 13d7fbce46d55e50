#!/usr/bin/env node
// Runs any TypeScript entry point of this repo (benchmarks, scripts) without a build step.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const entry = process.argv[2];
if (!entry) throw new Error('usage: run-ts.js <file.ts> [args…]');
// The script becomes argv[1], as if node had run it directly, so it can tell whether it is the entry point.
process.argv.splice(1, 2, path.resolve(entry));
await import(pathToFileURL(path.resolve(entry)).href);
