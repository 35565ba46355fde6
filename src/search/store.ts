import { decodeTupleCursor, encodeTupleCursor, fingerprint } from '../common/pagination.js';
import { toIsoOrNull } from '../common/time.js';
import { badRequest } from '../common/errors.js';
import type { Viewer } from '../articles/visibility.js';
import { tagsOf } from '../common/filter-refs.js';
import type { SearchFilter, SearchHitRow, SearchQuery, SearchRank, SearchRepo } from '../store/port.js';
import { searchQueryOf } from './query.js';
import type { SearchHitDto } from './schemas.js';
import { buildSnippet, needlesOf } from './snippet.js';
import { answerKey, createExactCache } from '../common/exact-cache.js';
import type { CacheSource } from '../common/exact-cache.js';

const CURSOR_KEY = 'rank';

export type SearchParams = {
  q: string;
  limit: number;
  cursor?: string;
  /** The section filter resolved to it and its subsections. */
  sectionIds?: number[];
  sourceId?: number;
  tag?: string;
  publishedAfter?: string;
  publishedBefore?: string;
};

const invalidCursor = () => badRequest('The cursor is not valid', [{ in: 'query', pointer: '/cursor', message: 'The cursor is not valid' }]);

/** The filters as the store takes them: times in epoch ms, the tag list split. */
function filterOf(p: SearchParams): SearchFilter {
  const filter: SearchFilter = {};
  if (p.sectionIds) filter.sectionIds = p.sectionIds;
  if (p.sourceId !== undefined) filter.sourceId = p.sourceId;
  if (p.tag !== undefined) filter.tags = tagsOf(p.tag);
  if (p.publishedAfter) filter.publishedAfter = Date.parse(p.publishedAfter);
  if (p.publishedBefore) filter.publishedBefore = Date.parse(p.publishedBefore);
  return filter;
}

const toHit = (r: SearchHitRow, { rank, pub }: SearchRank, snippet: string): SearchHitDto => ({
  id: r.id,
  title: r.title,
  slug: r.slug,
  summary: r.summary,
  publishedAt: toIsoOrNull(pub),
  section: r.section,
  source: r.source,
  snippet,
  score: -rank,
});

export type SearchResult = { hits: SearchHitDto[]; nextCursor: string | null };
export type SearchStoreOptions = {
  /** With a size, answers are kept in an exact cache keyed on the store's content generation. */
  cacheSize?: number;
};

/**
 * Ranked full-text search over the articles this viewer may see (the store ranks, and may run
 * that off the request loop: the SQLite store on its search threads). Pages follow (rank,
 * publishedAt, id): stable while the index does not change; a write in between can move an
 * article across a page boundary (seen twice or not at all), which is acceptable for search. With
 * a cache size, answers are kept in an exact cache (exact-cache.ts); answers are shared, never
 * mutate them.
 */
export function createSearchStore(store: CacheSource & { search: SearchRepo }, options: SearchStoreOptions = {}) {
  const { cacheSize = 0 } = options;
  const cache = cacheSize > 0 ? createExactCache<SearchResult>(store, cacheSize) : null;

  async function compute(p: SearchParams, query: SearchQuery, viewer: Viewer): Promise<SearchResult> {
    const { limit, cursor: _cursor, sectionIds: _ids, sourceId: _src, ...filterParams } = p;
    const filters = fingerprint({ ...filterParams, sectionIds: p.sectionIds, sourceId: p.sourceId, editor: viewer.editor });
    const filter = filterOf(p);
    let after: SearchRank | undefined;
    if (p.cursor) {
      const { v: [rank, pub], id } = decodeTupleCursor(p.cursor, CURSOR_KEY, filters, 2);
      if (typeof rank !== 'number' || (typeof pub !== 'number' && pub !== null)) throw invalidCursor();
      after = { rank, pub, id };
    }
    const ranked = await store.search.rank(query, filter, viewer, after, limit + 1);
    const page = ranked.slice(0, limit);
    const needles = needlesOf(p.q);
    // Text is read for the page alone, in one read: bodies are large, and only these hits show a snippet.
    const rows = new Map((page.length > 0 ? await store.search.details(page.map((r) => r.id)) : []).map((row) => [row.id, row]));
    const hits: SearchHitDto[] = [];
    for (const r of page) {
      // An article purged between the ranking and this read is left out rather than failing the search.
      const row = rows.get(r.id);
      if (row) hits.push(toHit(row, r, buildSnippet([row.bodyText, row.summary, row.title, row.subtitle], needles)));
    }
    const last = page[page.length - 1];
    const nextCursor = ranked.length > limit && last ? encodeTupleCursor(CURSOR_KEY, filters, [last.rank, last.pub], last.id) : null;
    return { hits, nextCursor };
  }

  return {
    async search(p: SearchParams, viewer: Viewer): Promise<SearchResult> {
      // The query is checked first, so that a bad one is a 400 at once, not a place in a store's queue.
      const query = searchQueryOf(p.q);
      return cache ? cache.through(answerKey(p, viewer), viewer, () => compute(p, query, viewer)) : compute(p, query, viewer);
    },
  };
}

export type SearchStore = ReturnType<typeof createSearchStore>;
