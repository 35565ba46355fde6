import { createArticleStore } from './articles/store.js';
import { createChangeRecorder } from './changes/recorder.js';
import type { Clock } from './common/time.js';
import type { Db } from './db/connection.js';
import { createRelatedLinkStore } from './related-links/store.js';
import { createSearchIndex } from './search/index.js';
import { createContentGeneration } from './common/generation.js';
import { createSectionStore } from './sections/store.js';
import { createSourceStore } from './sources/store.js';
import { createOutbox } from './webhooks/events.js';

/**
 * The write side of Masthead, wired once: every write to a section, source, article or related
 * link also writes the search index, the change feed and the webhooks outbox in the same
 * transaction. The server, the demo loader, the import CLI and the benchmark all build their
 * stores here, so none of them can write content that the index or the feed does not see.
 */
export function createStores(db: Db, clock: Clock) {
  const changes = createChangeRecorder(db, clock, [createOutbox(db, clock)]);
  // Moves on every write that can change a search or list answer: the exact caches' key (common/exact-cache.ts).
  const generation = createContentGeneration(db);
  const sections = createSectionStore(db, clock, [changes.section, generation.bump]);
  const sources = createSourceStore(db, clock, [changes.source, generation.bump]);
  const search = createSearchIndex(db);
  const articles = createArticleStore(db, clock, [search.listener, changes.article, generation.bump]);
  // A change to an article's links is a change to the article: new version (ETag), feed event.
  const links = createRelatedLinkStore(db, clock, [(_op, _linkId, articleId) => articles.touch(articleId), changes.link]);
  return { changes, sections, sources, articles, links, search, generation };
}

export type Stores = ReturnType<typeof createStores>;
