import type { FastifyRequest } from 'fastify';
import { createPresenter } from './articles/present.js';
import { createArticleQueries } from './articles/queries.js';
import type { ListAnswer } from './articles/routes.js';
import { createExactCache } from './common/exact-cache.js';
import { createFeedService } from './feeds/service.js';
import type { PublicUrls } from './feeds/urls.js';
import { linksOf } from './related-links/service.js';
import type { SectionService } from './sections/service.js';
import type { SourceService } from './sources/service.js';
import { createSearchStore } from './search/store.js';
import type { ReadStore, Store } from './store/port.js';

export type ReadSideDeps = {
  sections: SectionService;
  sources: SourceService;
  urls: PublicUrls;
  publicationName: string;
  listCacheSize: number;
  searchCacheSize: number;
};

/**
 * What lists, search, feeds and sitemaps read through, wired on one database: the article
 * queries, the presenter (embeds and related links read there too), and the exact caches, keyed
 * on that database's own content generation. Section and source filters are resolved on the
 * primary by the services, as every request's are.
 */
export function createReadSide(reads: ReadStore, deps: ReadSideDeps) {
  const queries = createArticleQueries(reads.articles);
  const present = createPresenter(reads, { forArticles: (articleIds, viewer) => linksOf(reads, articleIds, viewer) });
  return {
    queries,
    present,
    lists: createExactCache<ListAnswer>(reads, deps.listCacheSize),
    search: createSearchStore(reads, { cacheSize: deps.searchCacheSize }),
    feeds: createFeedService({ queries, present, sections: deps.sections, sources: deps.sources, urls: deps.urls, publicationName: deps.publicationName }),
    sitemaps: reads.sitemaps,
  };
}

export type ReadSide = ReturnType<typeof createReadSide>;

/**
 * The read side a request is answered from: anonymous readers' lists, search, feeds and sitemaps
 * from the read replica while it serves (Store.replica: it answers and is no further behind than
 * DATABASE_REPLICA_MAX_LAG_MS), everything else from the primary — keyed callers (editors, partners,
 * import scripts) read what they just wrote. Decided once per request, so that one answer never
 * mixes the two databases' states.
 */
export function createReadSides(store: Store, deps: ReadSideDeps) {
  const primary = createReadSide(store, deps);
  const replica = store.replica;
  const onReplica = replica ? createReadSide(replica.reads, deps) : null;
  return {
    primary,
    for(request: Pick<FastifyRequest, 'principal'>): ReadSide {
      return onReplica && request.principal.keyId === null && replica!.serving() ? onReplica : primary;
    },
  };
}

export type ReadSides = ReturnType<typeof createReadSides>;
