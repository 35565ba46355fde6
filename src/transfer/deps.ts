import { createArticleStore } from '../articles/store.js';
import type { Clock } from '../common/time.js';
import type { Db } from '../db/connection.js';
import { createSearchIndex } from '../search/index.js';
import { createSectionStore } from '../sections/store.js';
import { createSourceStore } from '../sources/store.js';
import type { ImportDeps } from './import.js';
import { createTransferStore } from './store.js';

/**
 * The stores an import writes through, wired as buildApp wires them (the search index kept in
 * step by the article store's listener), for the CLI and the benchmark, which work on a database
 * file without a server. Keep the listeners here the same as in app.ts.
 */
export function createImportDeps(db: Db, clock: Clock): ImportDeps {
  return {
    db,
    sections: createSectionStore(db, clock),
    sources: createSourceStore(db, clock),
    articles: createArticleStore(db, clock, [createSearchIndex(db).listener]),
    transfer: createTransferStore(db, clock),
  };
}
