// `npm run api-types`: regenerates test/support/api-types.ts from the OpenAPI document the service publishes.
// Run it after changing a route's schemas; test/platform/api-types.test.ts fails until the file is current.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { API_TYPES_FILE, readOpenApiDocument, renderApiTypes } from '../test/support/api-types-generator.ts';

const document = await readOpenApiDocument();
writeFileSync(API_TYPES_FILE, await renderApiTypes(document));
console.log(`wrote ${path.relative(process.cwd(), API_TYPES_FILE)} (${Object.keys(document.paths ?? {}).length} paths)`);
