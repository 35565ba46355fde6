import { and, eq, gte, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { AppError, badRequest } from '../../common/errors.js';
import type { SearchDocument, SearchFilter, SearchHitRow, SearchQuery, SearchRank, SearchableRow, Visibility } from '../port.js';
import { hitOf, type FlatHitRow } from '../search-hits.js';
import type { Db } from './connection.js';
import { ftsMatch } from './fts.js';
import { articles, articleTags } from './schema.js';
import { visibleWhere } from './visibility.js';

/**
 * Full-text search on SQLite: the articles_fts index (FTS5, contentless, migrations/sqlite/0001_search_index.sql),
 * ranked by bm25. Synchronous, so that the same reads serve the request loop (an in-memory database)
 * and the search threads (search-pool.ts), each on its own connection.
 */

/** bm25 weights per column, in the table's order: title, subtitle, summary, body, tags. */
export const RANK_WEIGHTS = { title: 10, subtitle: 5, summary: 3, body: 1, tags: 4 } as const;
const BM25_TEXT = `bm25(articles_fts, ${Object.values(RANK_WEIGHTS).join(', ')})`;
const BM25 = sql.raw(BM25_TEXT);

/** rank ascending, then newer first with undated last (SQLite's `pub DESC`), then higher id first. */
export function compareRanked(a: SearchRank, b: SearchRank): number {
  if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
  if (a.pub !== b.pub) {
    if (a.pub === null) return 1;
    if (b.pub === null) return -1;
    return b.pub - a.pub;
  }
  return b.id - a.id;
}

/**
 * Runs drizzle-built SQL through statements prepared once per query shape: the text of a shape
 * is the same from call to call, only its parameters change. Bounded, as the shapes that lists of
 * ids produce are many.
 */
function createStatementCache(db: Db, max = 64) {
  const dialect = new SQLiteSyncDialect();
  const statements = new Map<string, ReturnType<Db['$client']['prepare']>>();
  return <T>(query: SQL): T[] => {
    const { sql: text, params } = dialect.sqlToQuery(query);
    let statement = statements.get(text);
    if (!statement) {
      if (statements.size >= max) statements.clear();
      statement = db.$client.prepare(text);
      statements.set(text, statement);
    }
    return statement.all(params) as T[];
  };
}

type RankInput = {
  match: string;
  /** How many rows to return: a page and one more, to know whether there is a next page. */
  want: number;
  after?: SearchRank;
  /** Visibility and filters as SQL over the articles table, without the MATCH. */
  where: SQL;
};

/** Who may see what, and the filters; the same rule as the article list (editors: everything not in the trash). */
function conditions(f: SearchFilter, viewer: Visibility): SQL {
  const where: SQL[] = [visibleWhere(viewer) ?? isNull(articles.deletedAt)];
  if (f.sectionIds) where.push(inArray(articles.sectionId, f.sectionIds));
  if (f.sourceId !== undefined) where.push(eq(articles.sourceId, f.sourceId));
  if (f.publishedAfter !== undefined) where.push(gte(articles.publishedAt, f.publishedAfter));
  if (f.publishedBefore !== undefined) where.push(lt(articles.publishedAt, f.publishedBefore));
  if (f.tags !== undefined) {
    where.push(sql`EXISTS (SELECT 1 FROM ${articleTags} WHERE ${articleTags.articleId} = ${articles.id} AND ${inArray(articleTags.tag, f.tags)})`);
  }
  return and(...where)!;
}

/** Filters that can hide most matches: with them, ranking only the index's best candidates would rarely decide a page. */
const narrowed = (f: SearchFilter, viewer: Visibility) =>
  f.sectionIds !== undefined || f.sourceId !== undefined || f.tags !== undefined || f.publishedAfter !== undefined ||
  f.publishedBefore !== undefined || viewer.sectionIds !== null || viewer.sourceIds !== null;

/** A MATCH the parser let through but FTS5 refused would be our bug; the reader still gets a 400, not a 500. */
function runSearch<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof AppError) throw error;
    const message = error instanceof Error ? error.message : '';
    if (/fts5|MATCH/i.test(message)) {
      const problem = 'The search query could not be run; try other words';
      throw badRequest(problem, [{ in: 'query', pointer: '/q', message: problem }]);
    }
    throw error;
  }
}

/** The synchronous search reads of one connection. */
export type SearchReads = {
  rank(query: SearchQuery, filter: SearchFilter, viewer: Visibility, after: SearchRank | undefined, want: number): SearchRank[];
  details(ids: number[]): SearchHitRow[];
};


/**
 * Two ways to the same first rows. `joined` ranks every match that passes the filters: its cost
 * grows with the number of matches (bm25 is computed for each). `topFirst` asks the full-text
 * index alone for the best candidates (SQLite keeps only the top N while ranking), then checks
 * visibility for those few; it answers only when the candidates decide the page, else null.
 * Filters that can hide most matches (`narrowed`) go straight to `joined`.
 */
export function createSearchReads(db: Db): SearchReads {
  const all = createStatementCache(db);
  const top = db.$client.prepare(`SELECT rowid AS id, ${BM25_TEXT} AS rank FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?`);
  const topFrom = db.$client.prepare(
    `SELECT rowid AS id, ${BM25_TEXT} AS rank FROM articles_fts WHERE articles_fts MATCH ? AND ${BM25_TEXT} >= ? ORDER BY rank LIMIT ?`,
  );
  // Text is read for a page alone: bodies are large, and only those hits show a snippet.
  const details = db.$client.prepare(`
    SELECT a.id, a.title, a.slug, a.subtitle, a.summary, a.body_text AS bodyText,
           s.id AS sectionId, s.slug AS sectionSlug, s.name AS sectionName,
           src.id AS sourceId, src.slug AS sourceSlug, src.name AS sourceName
    FROM articles a JOIN sections s ON s.id = a.section_id LEFT JOIN sources src ON src.id = a.source_id
    WHERE a.id IN (SELECT value FROM json_each(?))`);

  function topFirst({ match, want, after, where }: RankInput): SearchRank[] | null {
    // Enough candidates for a page when a few in ten are hidden (drafts, scheduled, trash), cheap to check.
    const k = 4 * want + 64;
    const candidates = (after ? topFrom.all(match, after.rank, k) : top.all(match, k)) as { id: number; rank: number }[];
    if (candidates.length === 0) return [];
    const rankOf = new Map(candidates.map((c) => [c.id, c.rank]));
    const visible = all<{ id: number; pub: number | null }>(sql`
      SELECT ${articles.id} AS id, ${articles.publishedAt} AS pub
      FROM ${articles} INDEXED BY articles_search_idx
      WHERE ${articles.id} IN (SELECT value FROM json_each(${JSON.stringify([...rankOf.keys()])})) AND ${where}`);
    const rows = visible
      .map((v) => ({ id: v.id, rank: rankOf.get(v.id)!, pub: v.pub }))
      .filter((r) => !after || compareRanked(r, after) > 0)
      .sort(compareRanked);
    if (candidates.length < k) return rows.slice(0, want);
    // Rows tied with the last candidate may have been left out by the LIMIT: only rows ranked
    // strictly better are known to be complete, and the page must lie among them.
    const boundary = candidates[candidates.length - 1]!.rank;
    const last = rows[want - 1];
    return last && last.rank < boundary ? rows.slice(0, want) : null;
  }

  function joined({ match, want, after, where }: RankInput): SearchRank[] {
    // CROSS JOIN keeps the full-text index as the outer loop: left to itself, SQLite walks the articles by
    // status and runs the MATCH once per article (16 s instead of 50 ms at 10k articles). Each match is then
    // checked against articles_search_idx, which holds every filtered column, not the large table rows.
    return all<SearchRank>(sql`
      SELECT ${articles.id} AS id, ${articles.publishedAt} AS pub, ${BM25} AS rank
      FROM articles_fts CROSS JOIN ${articles} INDEXED BY articles_search_idx ON ${articles.id} = articles_fts.rowid
      WHERE articles_fts MATCH ${match} AND ${where} ${after ? sql`AND ${afterRow(after)}` : sql``}
      ORDER BY rank, pub DESC, id DESC
      LIMIT ${want}`);
  }

  return {
    rank(query, filter, viewer, after, want) {
      const input: RankInput = { match: ftsMatch(query), want, where: conditions(filter, viewer), ...(after ? { after } : {}) };
      return runSearch(() => (narrowed(filter, viewer) ? null : topFirst(input)) ?? joined(input));
    },
    details(ids) {
      if (ids.length === 0) return [];
      return (details.all(JSON.stringify(ids)) as FlatHitRow[]).map(hitOf);
    },
  };
}

/** "After this row" in the order rank ASC, publishedAt DESC (NULLs last), id DESC. */
function afterRow({ rank, pub, id }: SearchRank): SQL {
  const pubAfter =
    pub === null
      ? sql`(${articles.publishedAt} IS NULL AND ${articles.id} < ${id})`
      : sql`(${articles.publishedAt} < ${pub} OR ${articles.publishedAt} IS NULL OR (${articles.publishedAt} = ${pub} AND ${articles.id} < ${id}))`;
  return sql`(${BM25} > ${rank} OR (${BM25} = ${rank} AND ${pubAfter}))`;
}

const REBUILD_BATCH = 1000;

/**
 * Empties articles_fts and fills it again from the articles table, in one transaction (the
 * caller holds the store's turn to write). Returns how many articles were indexed.
 */
export function rebuildSearchIndex(db: Db, documentOf: (row: SearchableRow) => SearchDocument): { articles: number } {
  const sqlite = db.$client;
  const del = sqlite.prepare('DELETE FROM articles_fts WHERE rowid = ?');
  const ins = sqlite.prepare('INSERT INTO articles_fts (rowid, title, subtitle, summary, body, tags) VALUES (?, ?, ?, ?, ?, ?)');
  const batch = sqlite.prepare('SELECT id, title, subtitle, summary, body_text AS bodyText, tags FROM articles WHERE id > ? ORDER BY id LIMIT ?');
  const write = (row: SearchableRow) => {
    const doc = documentOf(row);
    del.run(row.id);
    ins.run(row.id, doc.title, doc.subtitle, doc.summary, doc.body, doc.tags);
  };
  let count = 0;
  sqlite.transaction(() => {
    sqlite.prepare("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')").run();
    // Batches by id: better-sqlite3 cannot write while a read statement is still iterating.
    for (let last = 0; ; ) {
      const rows = batch.all(last, REBUILD_BATCH) as (Omit<SearchableRow, 'tags'> & { tags: string })[];
      if (rows.length === 0) break;
      for (const row of rows) write({ ...row, tags: JSON.parse(row.tags) as string[] });
      count += rows.length;
      last = rows[rows.length - 1]!.id;
    }
    // Merges the segments written one row at a time into one b-tree: faster queries afterwards.
    sqlite.prepare("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')").run();
  })();
  return { articles: count };
}
