import { defineConfig } from 'drizzle-kit';

// One TypeScript schema (a tables.ts per capability) → one set of SQL migrations for PGlite and PostgreSQL.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/*/tables.ts', './src/*/*/tables.ts'],
  out: './drizzle',
});
