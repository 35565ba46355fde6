import { badRequest } from '../../common/errors.js';
import type { SearchFilter, SearchQuery, SearchRank, SearchRepo, Visibility } from '../port.js';
import { hitOf, type FlatHitRow } from '../search-hits.js';
import { tsqueryOf } from './fts.js';
import { binder, type Bind } from './keyset.js';
import { visibleWhere } from './lists.js';
import { rows, type Queryable } from './query.js';
import type { SearchMethod } from './rum.js';

/**
 * Full-text search on PostgreSQL: `article_search.tsv`, the weighted document of the app's own
 * tokens (fts.ts), matched with `@@` and ranked by one of two methods (rum.ts says which the
 * database has):
 *
 * - **RUM** (the `rum` extension and its index article_search_tsv_rum): the index returns the
 *   matches in rank order, `ORDER BY tsv <=> query`, ranking each from the positions and weights
 *   it keeps, without reading the tsvector from the table. `<=>` is RUM's rum_ts_distance,
 *   1 / its score, a ts_rank with PostgreSQL's default weights {D 0.1, C 0.2, B 0.4, A 1.0}; the
 *   rank is -score (-1 / distance, exact in float8 and strictly monotonic, so the order is the
 *   index's).
 * - **GIN** (stock PostgreSQL): GIN finds the matches, `ts_rank` with the weights below ranks
 *   them, reading each match's tsvector: a term found in most articles costs in proportion to
 *   their number (at 100k articles: 1.5 s for a term in 99.8 % of them, 0.3 s for one in a third).
 *
 * The weights follow SQLite's bm25 column weights (src/store/sqlite/search.ts: title 10,
 * subtitle 5, summary 3, tags 4, body 1) on the four classes a tsvector has: A title 1.0, B
 * subtitle and summary 0.4, C tags 0.4 (RUM: 0.2, its weights are fixed), D body 0.1. Scores
 * differ from bm25's, so the order of equally good matches may differ between the stores; what
 * matches (recall) does not. The pool's statement timeout bounds every search
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


/** SearchRank's order, as ORDER BY m.rank, m.pub DESC NULLS LAST, m.id DESC. */
const inOrder = (a: SearchRank, b: SearchRank): number => a.rank - b.rank || (a.pub === b.pub ? b.id - a.id : a.pub === null ? 1 : b.pub === null ? -1 : b.pub - a.pub);

/** `a` comes after `b` in SearchRank's order (after() in JavaScript). */
const follows = (a: SearchRank, b: SearchRank): boolean =>
  a.rank > b.rank || (a.rank === b.rank && (b.pub === null ? a.pub === null && a.id < b.id : a.pub === null || a.pub < b.pub || (a.pub === b.pub && a.id < b.id)));

/**
 * How many rows each RUM read takes, as multiples of `want`, before the complete sort. The index
 * orders by rank alone; the tie-break (publishedAt, id) is sorted here, which is exact only when
 * the rows read end past the rank of the last row wanted (a tie at that rank could go on beyond
 * them). Ties that long (many articles with the same occurrences of the terms in the same fields)
 * are read again with more, and at last without the index's order (every match ranked: GIN's cost).
 */
const RUM_READS = [4, 32];

export function createSearchRepo(q: Queryable, method: SearchMethod = 'gin'): SearchRepo {
  /** RUM's rank: -score, from the distance the index orders by. */
  const RUM_RANK = (tsquery: string) => `(-1 / (s.tsv <=> ${tsquery})::float8)`;

  /**
   * The first `want` matches at or after `at`: the first `limit` of those RUM's index holds, in rank
   * order, and the first `want` of the pending entries (schema.ts articleSearch: written since the
   * last fold, not in RUM yet; few, found by their own GIN index and each ranked with the same
   * `<=>`), in one statement; null when a tie may be cut in RUM's part (see RUM_READS).
   */
  async function rumRead(query: SearchQuery, filter: SearchFilter, viewer: Visibility, at: SearchRank | undefined, want: number, limit: number): Promise<SearchRank[] | null> {
    const { values, bind } = binder();
    const tsquery = tsqueryOf(query, bind)!;
    const where = [`s.tsv @@ ${tsquery}`, ...conditions(filter, viewer, bind)];
    const indexed = [...where, 'NOT s.pending', ...(at ? [`${RUM_RANK(tsquery)} >= ${bind(at.rank)}::float8`] : [])];
    // ORDER BY exactly the index's operator (no tie-break, no cast), so that the planner reads the index in order and stops at the LIMIT.
    const read = await rows<SearchRank & { pending: boolean }>(
      q,
      `SELECT m.id, m.pub, m.rank, false AS pending FROM (
          SELECT a.id, a.published_at AS pub, ${RUM_RANK(tsquery)} AS rank
          FROM article_search s JOIN articles a ON a.id = s.article_id
          WHERE ${indexed.join(' AND ')}
          ORDER BY s.tsv <=> ${tsquery}
          LIMIT ${bind(limit)}
        ) m
       UNION ALL
       (SELECT m.id, m.pub, m.rank, true AS pending FROM (
          SELECT a.id, a.published_at AS pub, ${RUM_RANK(tsquery)} AS rank
          FROM article_search s JOIN articles a ON a.id = s.article_id
          WHERE ${[...where, 's.pending'].join(' AND ')}
        ) m
        ${at ? `WHERE ${after(at, bind)}` : ''}
        ORDER BY m.rank, m.pub DESC NULLS LAST, m.id DESC
        LIMIT ${bind(want)})`,
      values,
    );
    const indexedRows = read.filter((r) => !r.pending).sort(inOrder);
    const found = at ? indexedRows.filter((r) => follows(r, at)) : indexedRows;
    if (indexedRows.length >= limit) {
      const last = indexedRows[indexedRows.length - 1]!.rank;
      if (!(found.length >= want && found[want - 1]!.rank < last)) return null;
    }
    const pending = read.filter((r) => r.pending);
    return [...found.slice(0, want), ...pending].sort(inOrder).slice(0, want).map(({ id, pub, rank }) => ({ id, pub, rank }));
  }

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
      if (method === 'rum') {
        for (const times of RUM_READS) {
          const found = await rumRead(query, filter, viewer, at, want, want * times);
          if (found) return found;
        }
      }
      // float8: ts_rank's real widened exactly, and printed in full, so a cursor's rank compares equal when it comes back.
      const rankSql = method === 'rum' ? RUM_RANK(tsquery) : `(-ts_rank('${WEIGHTS}', s.tsv, ${tsquery}))::float8`;
      const text = `SELECT m.id, m.pub, m.rank FROM (
          SELECT a.id, a.published_at AS pub, ${rankSql} AS rank
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
      const found = await rows<FlatHitRow>(
        q,
        `SELECT a.id, a.title, a.slug, a.subtitle, a.summary, a.body_text AS "bodyText",
                s.id AS "sectionId", s.slug AS "sectionSlug", s.name AS "sectionName",
                src.id AS "sourceId", src.slug AS "sourceSlug", src.name AS "sourceName"
         FROM articles a JOIN sections s ON s.id = a.section_id LEFT JOIN sources src ON src.id = a.source_id
         WHERE a.id = ANY($1::int8[])`,
        [ids],
      );
      return found.map(hitOf);
    },
  };
}
