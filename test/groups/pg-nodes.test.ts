import { onServerOfItsOwn, runGroup } from './groups.js';

// Several `masthead serve` processes on one database, on a PostgreSQL server of this group's own.
await onServerOfItsOwn();
await runGroup('pg-nodes');
