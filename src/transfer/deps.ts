import type { Clock } from '../common/time.js';
import type { Store } from '../store/port.js';
import { createStores } from '../stores.js';
import type { ImportDeps } from './import.js';
import { createTransferStore } from './store.js';

/** The stores an import writes through, wired as the server's (see stores.ts), for the CLI and the benchmark. */
export function createImportDeps(store: Store, clock: Clock): ImportDeps {
  const { importCatalog, articles, search } = createStores(store, clock);
  const db = store.legacy.db;
  return { db, ...importCatalog, articles, search, transfer: createTransferStore(db, clock) };
}
