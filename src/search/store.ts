import { and, eq, gte, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { decodeTupleCursor, encodeTupleCursor, fingerprint } from '../common/pagination.js';
import { toIsoOrNull } from '../common/time.js';
import { openDatabase, type Db } from '../store/sqlite/connection.js';
import { articles, articleTags } from '../store/sqlite/schema.js';
import { AppError, badRequest } from '../common/errors.js';
import type { Viewer } from '../articles/visibility.js';
import { visibleWhere } from '../store/sqlite/visibility.js';
import { tagsOf } from '../common/filter-refs.js';
import { searchQueryOf } from './query.js';
import { ftsMatch } from '../store/sqlite/fts.js';
import type { SearchHitDto } from './schemas.js';
import { buildSnippet, needlesOf } from './snippet.js';
import { answerKey, createExactCache } from '../common/exact-cache.js';
import type { CacheSource } from '../common/exact-cache.js';
import { createRanker, type RankInput, type Ranked } from './rank.js';

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

type HitRow = {
  id: number;
  title: string;
  slug: string;
  subtitle: string | null;
  summary: string | null;
  bodyText: string;
  sectionId: number;
  sectionSlug: string;
  sectionName: string;
  sourceId: number | null;
  sourceSlug: string | null;
  sourceName: string | null;
};

const invalidCursor = () => badRequest('The cursor is not valid', [{ in: 'query', pointer: '/cursor', message: 'The cursor is not valid' }]);
const queryProblem = (message: string) => badRequest(message, [{ in: 'query', pointer: '/q', message }]);

/** The FTS5 match expression for q (a 400 for a query with nothing to search for). */
const matchOf = (q: string): string => ftsMatch(searchQueryOf(q));

/** Who may see what, and the filters; the same rule as the article list (editors: everything not in the trash). */
function conditions(p: SearchParams, viewer: Viewer): SQL[] {
  const where: SQL[] = [visibleWhere(viewer) ?? isNull(articles.deletedAt)];
  if (p.sectionIds) where.push(inArray(articles.sectionId, p.sectionIds));
  if (p.sourceId !== undefined) where.push(eq(articles.sourceId, p.sourceId));
  if (p.publishedAfter) where.push(gte(articles.publishedAt, Date.parse(p.publishedAfter)));
  if (p.publishedBefore) where.push(lt(articles.publishedAt, Date.parse(p.publishedBefore)));
  if (p.tag !== undefined) {
    where.push(sql`EXISTS (SELECT 1 FROM ${articleTags} WHERE ${articleTags.articleId} = ${articles.id} AND ${inArray(articleTags.tag, tagsOf(p.tag))})`);
  }
  return where;
}

/** A MATCH the parser let through but FTS5 refused would be our bug; the reader still gets a 400, not a 500. */
function runSearch<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof AppError) throw error;
    const message = error instanceof Error ? error.message : '';
    if (/fts5|MATCH/i.test(message)) throw queryProblem('The search query could not be run; try other words');
    throw error;
  }
}

const toHit = (r: HitRow, { rank, pub }: Ranked, snippet: string): SearchHitDto => ({
  id: r.id,
  title: r.title,
  slug: r.slug,
  summary: r.summary,
  publishedAt: toIsoOrNull(pub),
  section: { id: r.sectionId, slug: r.sectionSlug, name: r.sectionName },
  source: r.sourceId === null ? null : { id: r.sourceId, slug: r.sourceSlug!, name: r.sourceName! },
  snippet,
  score: -rank,
});

/** Filters that can hide most matches: with them, ranking only the index's best candidates would rarely decide a page. */
const narrowed = (p: SearchParams, viewer: Viewer) =>
  p.sectionIds !== undefined || p.sourceId !== undefined || p.tag !== undefined || p.publishedAfter !== undefined ||
  p.publishedBefore !== undefined || viewer.sectionIds !== null || viewer.sourceIds !== null;

export type SearchResult = { hits: SearchHitDto[]; nextCursor: string | null };
export type SearchStoreOptions = {
  /** Where the exact cache reads the content generation (with cacheSize, answers are cached). */
  generation?: CacheSource;
  cacheSize?: number;
  /** Where uncached searches run (pool.ts: worker threads, a bounded queue); here, on the request loop, without one. */
  pool?: { search(p: SearchParams, viewer: Viewer): Promise<SearchResult> };
};

/**
 * Ranked full-text search over the articles this viewer may see. Pages follow (rank, publishedAt,
 * id): stable while the index does not change; a write in between can move an article across a
 * page boundary (seen twice or not at all), which is acceptable for search. With a generation and
 * a cache size, answers are kept in an exact cache (cache.ts); answers are shared, never mutate them.
 */
export function createSearchStore(db: Db, options: SearchStoreOptions = {}) {
  const ranker = createRanker(db);
  const details = db.$client.prepare(`
    SELECT a.id, a.title, a.slug, a.subtitle, a.summary, a.body_text AS bodyText,
           s.id AS sectionId, s.slug AS sectionSlug, s.name AS sectionName,
           src.id AS sourceId, src.slug AS sourceSlug, src.name AS sourceName
    FROM articles a JOIN sections s ON s.id = a.section_id LEFT JOIN sources src ON src.id = a.source_id
    WHERE a.id = ?`);
  const { generation, cacheSize = 0 } = options;
  const cache = generation && cacheSize > 0 ? createExactCache<SearchResult>(generation, cacheSize) : null;

  function rank(p: SearchParams, viewer: Viewer, filters: string): Ranked[] {
    const input: RankInput = { match: matchOf(p.q), want: p.limit + 1, where: and(...conditions(p, viewer))! };
    if (p.cursor) {
      const { v: [rank, pub], id } = decodeTupleCursor(p.cursor, CURSOR_KEY, filters, 2);
      if (typeof rank !== 'number' || (typeof pub !== 'number' && pub !== null)) throw invalidCursor();
      input.after = { rank, pub, id };
    }
    return runSearch(() => (narrowed(p, viewer) ? null : ranker.topFirst(input)) ?? ranker.joined(input));
  }

  function compute(p: SearchParams, viewer: Viewer): SearchResult {
    const { limit, cursor: _cursor, sectionIds: _ids, sourceId: _src, ...filterParams } = p;
    const filters = fingerprint({ ...filterParams, sectionIds: p.sectionIds, sourceId: p.sourceId, editor: viewer.editor });
    const ranked = rank(p, viewer, filters);
    const page = ranked.slice(0, limit);
    const needles = needlesOf(p.q);
    // Text is read for the page alone: bodies are large, and only these hits show a snippet.
    const hits = page.map((r) => {
      const row = details.get(r.id) as HitRow;
      return toHit(row, r, buildSnippet([row.bodyText, row.summary, row.title, row.subtitle], needles));
    });
    const last = page[page.length - 1];
    const nextCursor = ranked.length > limit && last ? encodeTupleCursor(CURSOR_KEY, filters, [last.rank, last.pub], last.id) : null;
    return { hits, nextCursor };
  }

  return {
    async search(p: SearchParams, viewer: Viewer): Promise<SearchResult> {
      const { pool } = options;
      if (pool) {
        // The query is checked here, so that a bad one is a 400 at once, not a place in the queue.
        matchOf(p.q);
        return cache ? cache.through(answerKey(p, viewer), viewer, () => pool.search(p, viewer)) : pool.search(p, viewer);
      }
      return cache ? cache.through(answerKey(p, viewer), viewer, () => compute(p, viewer)) : compute(p, viewer);
    },
  };
}

export type SearchStore = ReturnType<typeof createSearchStore>;

/** A search store on its own read-only connection to the file (a search thread's, pool.ts); no cache. */
export const openSearchStore = (databasePath: string) => createSearchStore(openDatabase(databasePath, { readonly: true, cacheMiB: 8 }));
