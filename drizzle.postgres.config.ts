import { defineConfig } from 'drizzle-kit';

// The PostgreSQL adapter's migrations (src/store/postgres/); drizzle.config.ts generates SQLite's.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/postgres/schema.ts',
  out: './migrations/postgres',
});
