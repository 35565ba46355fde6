import { runGroup, runOnPostgres } from './groups.js';

// The only process of the suite that uses PostgreSQL: one test at a time there (see GROUPS.postgres).
await runGroup('postgres');
await runOnPostgres();
