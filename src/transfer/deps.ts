import type { Clock } from '../common/time.js';
import type { Db } from '../db/connection.js';
import { createStores } from '../stores.js';
import type { ImportDeps } from './import.js';
import { createTransferStore } from './store.js';

/** The stores an import writes through, wired as the server's (see stores.ts), for the CLI and the benchmark. */
export function createImportDeps(db: Db, clock: Clock): ImportDeps {
  const { sections, sources, articles, search } = createStores(db, clock);
  return { db, sections, sources, articles, search, transfer: createTransferStore(db, clock) };
}
