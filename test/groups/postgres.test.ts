import { runGroup } from './groups.js';

// The only process of the suite on the server of TEST_DATABASE_URL (see GROUPS.postgres).
await runGroup('postgres');
