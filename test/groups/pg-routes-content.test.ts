import { onServerOfItsOwn, runOnPostgres } from './groups.js';

// Half of the second pass of the route tests, on PostgreSQL, on a server of this group's own (see SECOND_PASS).
await onServerOfItsOwn();
await runOnPostgres('pg-routes-content');
