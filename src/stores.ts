import { createArticleService } from './articles/service.js';
import { createChangeRecorder } from './changes/recorder.js';
import type { Clock } from './common/time.js';
import { createRelatedLinkService } from './related-links/service.js';
import { createSectionService } from './sections/service.js';
import { createSourceService } from './sources/service.js';
import type { Store } from './store/port.js';
import { createOutbox } from './webhooks/events.js';
import { createWriteEffects } from './write-effects.js';

/**
 * The write side of Masthead, wired once: every write to a section, source, article or related
 * link also writes the search index, the change feed and the webhooks outbox through the same
 * unit of work (write-effects.ts). The server, the demo loader, the import CLI and the benchmark
 * all build their services here, so none of them can write content that the index or the feed
 * does not see.
 */
export function createStores(store: Store, clock: Clock) {
  const changes = createChangeRecorder(store, clock, [createOutbox(clock)]);
  const effects = createWriteEffects(changes);
  const sections = createSectionService(store, clock, effects);
  const sources = createSourceService(store, clock, effects);
  const articles = createArticleService(store, clock, effects);
  const links = createRelatedLinkService(store, clock, articles, effects);
  return { changes, sections, sources, articles, links };
}

export type Stores = ReturnType<typeof createStores>;
