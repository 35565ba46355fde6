import { createArticleStore } from './articles/store.js';
import { createChangeRecorder } from './changes/recorder.js';
import type { Clock } from './common/time.js';
import { createRelatedLinkStore } from './related-links/store.js';
import { createSearchIndex } from './search/index.js';
import { createContentGeneration } from './common/generation.js';
import { createSectionStore } from './sections/store.js';
import { createSectionService } from './sections/service.js';
import { createSourceStore } from './sources/store.js';
import { createSourceService } from './sources/service.js';
import type { Store } from './store/port.js';
import { createOutbox } from './webhooks/events.js';
import { createWriteEffects } from './write-effects.js';

/**
 * Makes the async write methods of a store still on the SQLite handle wait for their turn with
 * the units of work (store.legacy.exclusive), so that a legacy transaction never runs inside an
 * open unit and commits or rolls back with it.
 */
function takingTurns<S extends object, K extends keyof S>(store: Store, target: S, methods: K[]): S {
  const guarded = { ...target };
  for (const name of methods) {
    const method = target[name] as (...args: unknown[]) => Promise<unknown>;
    (guarded as Record<K, unknown>)[name] = (...args: unknown[]) => store.legacy.exclusive(() => method(...args));
  }
  return guarded;
}

/**
 * The write side of Masthead, wired once: every write to a section, source, article or related
 * link also writes the search index, the change feed and the webhooks outbox in the same
 * transaction. The server, the demo loader, the import CLI and the benchmark all build their
 * stores here, so none of them can write content that the index or the feed does not see.
 *
 * Sections and sources are services on the storage port; the other features still write through
 * the SQLite handle (store.legacy) and move behind the port one at a time.
 */
export function createStores(store: Store, clock: Clock) {
  const db = store.legacy.db;
  const changes = createChangeRecorder(db, clock, [createOutbox(db, clock)]);
  // Moves on every write that can change a search or list answer: the exact caches' key (common/exact-cache.ts).
  const generation = createContentGeneration(db);
  const effects = createWriteEffects(changes, generation);
  const sections = createSectionService(store, clock, effects);
  const sources = createSourceService(store, clock, effects);
  const search = createSearchIndex(db);
  const articles = takingTurns(store, createArticleStore(db, clock, [search.listener, changes.article, generation.bump]), [
    'create',
    'update',
    'trash',
    'restore',
    'purge',
    'restoreRevision',
  ]);
  // A change to an article's links is a change to the article: new version (ETag), feed event.
  const links = takingTurns(store, createRelatedLinkStore(db, clock, [(_op, _linkId, articleId) => articles.touch(articleId), changes.link]), [
    'create',
    'update',
    'remove',
  ]);
  // The import's synchronous batches still write sections and sources here, inside their own transaction.
  const importCatalog = {
    sections: createSectionStore(db, clock, [changes.section, generation.bump]),
    sources: createSourceStore(db, clock, [changes.source, generation.bump]),
  };
  return { changes, sections, sources, articles, links, search, generation, importCatalog };
}

export type Stores = ReturnType<typeof createStores>;
