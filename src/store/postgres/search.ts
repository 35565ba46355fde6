import { badRequest } from '../../common/errors.js';
import type { SearchDocument, SearchFilter, SearchHitRow, SearchRank, SearchRepo, SearchableRow, Tx, Visibility } from '../port.js';
import { tsqueryOf } from './fts.js';
import { binder, type Bind } from './keyset.js';
import { visibleWhere } from './lists.js';
import { rows, type Queryable } from './query.js';

/**
 * Full-text search on PostgreSQL: `article_search.tsv`, the weighted document of the app's own
 * tokens (fts.ts), matched with `@@` through its GIN index and ranked by `ts_rank`.
 *
 * The weights follow SQLite's bm25 column weights (src/store/sqlite/search.ts: title 10,
 * subtitle 5, summary 3, tags 4, body 1) on the four classes a tsvector has: A title 1.0, B
 * subtitle and summary 0.4, C tags 0.4, D body 0.1. Scores differ from bm25's, so the order of
 * equally good matches may differ between the stores; what matches (recall) does not.
 *
 * Cost: GIN finds the matches, but ts_rank reads each match's tsvector, so a term found in most
 * articles costs in proportion to their number (measured for the issue at 100k articles: 1.5 s for
 * a term in 99.8 % of them, 0.3 s for one in a third). The RUM index, which ranks inside the
 * index, is not used yet (docs/postgres.md). The pool's statement timeout bounds every search
 * (DATABASE_STATEMENT_TIMEOUT_MS, then the 503 `database-busy`).
 */

/** ts_rank's weights, in its order {D, C, B, A}. */
const WEIGHTS = '{0.1, 0.4, 0.4, 1.0}';

function conditions(f: SearchFilter, viewer: Visibility, bind: Bind): string[] {
  const where = [visibleWhere(viewer, bind, 'a.') ?? 'a.deleted_at IS NULL'];
  if (f.sectionIds) where.push(`a.section_id = ANY(${bind(f.sectionIds)}::int8[])`);
  if (f.sourceId !== undefined) where.push(`a.source_id = ${bind(f.sourceId)}`);
  if (f.publishedAfter !== undefined) where.push(`a.published_at >= ${bind(f.publishedAfter)}`);
  if (f.publishedBefore !== undefined) where.push(`a.published_at < ${bind(f.publishedBefore)}`);
  if (f.tags !== undefined) where.push(`EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = a.id AND t.tag = ANY(${bind(f.tags)}::text[]))`);
  return where;
}

/** "After this match" in the order rank ASC, publishedAt DESC (undated last), id DESC, over the ranked rows `m`. */
function after({ rank, pub, id }: SearchRank, bind: Bind): string {
  const r = bind(rank);
  const i = bind(id);
  const pubAfter = pub === null ? `(m.pub IS NULL AND m.id < ${i})` : `(m.pub < ${bind(pub)} OR m.pub IS NULL OR (m.pub = ${bind(pub)} AND m.id < ${i}))`;
  return `(m.rank > ${r}::float8 OR (m.rank = ${r}::float8 AND ${pubAfter}))`;
}

type DetailsRow = Omit<SearchHitRow, 'section' | 'source'> & {
  sectionId: number;
  sectionSlug: string;
  sectionName: string;
  sourceId: number | null;
  sourceSlug: string | null;
  sourceName: string | null;
};

export function createSearchRepo(q: Queryable): SearchRepo {
  return {
    async rank(query, filter, viewer, at, want) {
      // The parser never lets through a search or phrase of no token: our bug, still the reader's 400 (as FTS5's refusal is on SQLite).
      if (query.phrases.length === 0 || query.phrases.some((p) => p.length === 0)) {
        const problem = 'The search query could not be run; try other words';
        throw badRequest(problem, [{ in: 'query', pointer: '/q', message: problem }]);
      }
      const { values, bind } = binder();
      const tsquery = tsqueryOf(query, bind);
      if (tsquery === null) return [];
      // float8: ts_rank's real widened exactly, and printed in full, so a cursor's rank compares equal when it comes back.
      const text = `SELECT m.id, m.pub, m.rank FROM (
          SELECT a.id, a.published_at AS pub, (-ts_rank('${WEIGHTS}', s.tsv, ${tsquery}))::float8 AS rank
          FROM article_search s JOIN articles a ON a.id = s.article_id
          WHERE s.tsv @@ ${tsquery} AND ${conditions(filter, viewer, bind).join(' AND ')}
        ) m
        ${at ? `WHERE ${after(at, bind)}` : ''}
        ORDER BY m.rank, m.pub DESC NULLS LAST, m.id DESC
        LIMIT ${bind(want)}`;
      return rows<SearchRank>(q, text, values);
    },
    async details(ids) {
      if (ids.length === 0) return [];
      const found = await rows<DetailsRow>(
        q,
        `SELECT a.id, a.title, a.slug, a.subtitle, a.summary, a.body_text AS "bodyText",
                s.id AS "sectionId", s.slug AS "sectionSlug", s.name AS "sectionName",
                src.id AS "sourceId", src.slug AS "sourceSlug", src.name AS "sourceName"
         FROM articles a JOIN sections s ON s.id = a.section_id LEFT JOIN sources src ON src.id = a.source_id
         WHERE a.id = ANY($1::int8[])`,
        [ids],
      );
      return found.map(({ sectionId, sectionSlug, sectionName, sourceId, sourceSlug, sourceName, ...hit }) => ({
        ...hit,
        section: { id: sectionId, slug: sectionSlug, name: sectionName },
        source: sourceId === null ? null : { id: sourceId, slug: sourceSlug!, name: sourceName! },
      }));
    },
  };
}

const REBUILD_BATCH = 500;

/** Empties the index and fills it again from every article, a batch at a time, inside the caller's unit. */
export async function rebuildSearchIndex(tx: Tx, q: Queryable, documentOf: (row: SearchableRow) => SearchDocument): Promise<{ articles: number }> {
  await q.query('DELETE FROM article_search');
  let count = 0;
  for (let last = 0; ; ) {
    const batch = await rows<SearchableRow>(
      q,
      `SELECT id, title, subtitle, summary, body_text AS "bodyText", tags FROM articles WHERE id > $1 ORDER BY id LIMIT $2`,
      [last, REBUILD_BATCH],
    );
    if (batch.length === 0) break;
    for (const row of batch) await tx.searchIndex.put(row.id, documentOf(row));
    count += batch.length;
    last = batch[batch.length - 1]!.id;
  }
  tx.contentChanged();
  return { articles: count };
}
