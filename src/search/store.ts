import { and, eq, gte, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { decodeTupleCursor, encodeTupleCursor, fingerprint } from '../common/pagination.js';
import { toIsoOrNull } from '../common/time.js';
import type { Db } from '../db/connection.js';
import { articles, articleTags } from '../db/schema.js';
import { AppError, badRequest } from '../http/problem.js';
import { visibleWhere, type Viewer } from '../articles/visibility.js';
import { parseSearchQuery } from './query.js';
import type { SearchHitDto } from './schemas.js';
import { buildSnippet, needlesOf } from './snippet.js';

/** bm25 weights per column, in the table's order: title, subtitle, summary, body, tags. */
export const RANK_WEIGHTS = { title: 10, subtitle: 5, summary: 3, body: 1, tags: 4 } as const;
const BM25 = sql.raw(`bm25(articles_fts, ${Object.values(RANK_WEIGHTS).join(', ')})`);
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
  rank: number;
  pub: number | null;
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

/** The match expression for q; the route's schema has refused bad queries already, this is the store's own guard. */
export function matchOf(q: string): string {
  const parsed = parseSearchQuery(q);
  if ('error' in parsed) throw queryProblem(parsed.error);
  return parsed.match;
}

function tagsOf(raw: string): string[] {
  const tags = [...new Set(raw.split(',').map((t) => t.trim().normalize('NFC')).filter(Boolean))];
  if (tags.length === 0 || tags.length > 20) throw badRequest('Give 1–20 tags', [{ in: 'query', pointer: '/tag', message: 'Give 1–20 comma-separated tags' }]);
  return tags;
}

/** Who may see what, and the filters; the same rule as the article list (editors: everything not in the trash). */
function conditions(p: SearchParams, viewer: Viewer): SQL[] {
  const where: SQL[] = [sql`articles_fts MATCH ${matchOf(p.q)}`];
  where.push(visibleWhere(viewer) ?? isNull(articles.deletedAt));
  if (p.sectionIds) where.push(inArray(articles.sectionId, p.sectionIds));
  if (p.sourceId !== undefined) where.push(eq(articles.sourceId, p.sourceId));
  if (p.publishedAfter) where.push(gte(articles.publishedAt, Date.parse(p.publishedAfter)));
  if (p.publishedBefore) where.push(lt(articles.publishedAt, Date.parse(p.publishedBefore)));
  if (p.tag !== undefined) {
    where.push(sql`EXISTS (SELECT 1 FROM ${articleTags} WHERE ${articleTags.articleId} = ${articles.id} AND ${inArray(articleTags.tag, tagsOf(p.tag))})`);
  }
  return where;
}

/** "After the last row" in the order rank ASC, publishedAt DESC (NULLs last), id DESC. */
function afterRow(rank: number, pub: number | null, id: number): SQL {
  const pubAfter =
    pub === null
      ? sql`(${articles.publishedAt} IS NULL AND ${articles.id} < ${id})`
      : sql`(${articles.publishedAt} < ${pub} OR ${articles.publishedAt} IS NULL OR (${articles.publishedAt} = ${pub} AND ${articles.id} < ${id}))`;
  return sql`(${BM25} > ${rank} OR (${BM25} = ${rank} AND ${pubAfter}))`;
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

const toHit = (r: HitRow, snippet: string): SearchHitDto => ({
  id: r.id,
  title: r.title,
  slug: r.slug,
  summary: r.summary,
  publishedAt: toIsoOrNull(r.pub),
  section: { id: r.sectionId, slug: r.sectionSlug, name: r.sectionName },
  source: r.sourceId === null ? null : { id: r.sourceId, slug: r.sourceSlug!, name: r.sourceName! },
  snippet,
  score: -r.rank,
});

/**
 * Ranked full-text search over the articles this viewer may see. Pages follow (rank, publishedAt,
 * id): stable while the index does not change; a write in between can move an article across a
 * page boundary (seen twice or not at all), which is acceptable for search.
 */
export function createSearchStore(db: Db) {
  return {
    async search(p: SearchParams, viewer: Viewer): Promise<{ hits: SearchHitDto[]; nextCursor: string | null }> {
      const { limit, cursor, sectionIds: _ids, sourceId: _src, ...filterParams } = p;
      const filters = fingerprint({ ...filterParams, sectionIds: p.sectionIds, sourceId: p.sourceId, editor: viewer.editor });
      const where = conditions(p, viewer);
      if (cursor) {
        const { v: [rank, pub], id } = decodeTupleCursor(cursor, CURSOR_KEY, filters, 2);
        if (typeof rank !== 'number' || (typeof pub !== 'number' && pub !== null)) throw invalidCursor();
        where.push(afterRow(rank, pub, id));
      }
      // The inner query ranks and pages ids only; its LIMIT keeps SQLite from merging it with the outer one,
      // so the text of the rows (bodies are large) is read for the page alone, not for every match.
      // CROSS JOIN keeps the full-text index as the outer loop: left to itself, SQLite walks the articles by
      // status and runs the MATCH once per article (16 s instead of 50 ms at 10k articles). Each match is then
      // checked against articles_search_idx, which holds every filtered column, not the large table rows.
      const query = sql`
        SELECT h.id, h.rank, h.pub, a.title, a.slug, a.subtitle, a.summary, a.body_text AS bodyText,
               s.id AS sectionId, s.slug AS sectionSlug, s.name AS sectionName,
               src.id AS sourceId, src.slug AS sourceSlug, src.name AS sourceName
        FROM (
          SELECT ${articles.id} AS id, ${articles.publishedAt} AS pub, ${BM25} AS rank
          FROM articles_fts CROSS JOIN ${articles} INDEXED BY articles_search_idx ON ${articles.id} = articles_fts.rowid
          WHERE ${and(...where)}
          ORDER BY rank, pub DESC, id DESC
          LIMIT ${limit + 1}
        ) h
        JOIN articles a ON a.id = h.id
        JOIN sections s ON s.id = a.section_id
        LEFT JOIN sources src ON src.id = a.source_id
        ORDER BY h.rank, h.pub DESC, h.id DESC`;
      const rows = runSearch(() => db.all<HitRow>(query));
      const page = rows.slice(0, limit);
      const needles = needlesOf(p.q);
      const hits = page.map((r) => toHit(r, buildSnippet([r.bodyText, r.summary, r.title, r.subtitle], needles)));
      const last = page[page.length - 1];
      const nextCursor = rows.length > limit && last ? encodeTupleCursor(CURSOR_KEY, filters, [last.rank, last.pub], last.id) : null;
      return { hits, nextCursor };
    },
  };
}

export type SearchStore = ReturnType<typeof createSearchStore>;
