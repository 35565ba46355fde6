import type { ArticleListener } from '../articles/store.js';
import type { Db } from '../store/sqlite/connection.js';
import { segmentForIndex } from './segment.js';

/** The fields of an article that the index holds; visibility is applied when searching, not here. */
export type SearchableRow = {
  id: number;
  title: string;
  subtitle: string | null;
  summary: string | null;
  bodyText: string;
  tags: string[];
};

const FIELDS = ['title', 'subtitle', 'summary', 'bodyText', 'tags'] as const;

/** Whether two states of an article differ in anything the index holds. */
export function searchableTextChanged(a: SearchableRow, b: SearchableRow): boolean {
  return FIELDS.some((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]));
}

/**
 * Each tag is segmented on its own: segmentForIndex drops the spaces between Chinese characters,
 * so joining 津甘协作 and 东西部协作 first would index the bigram 作东 across the two tags.
 */
const segmentTags = (tags: string[], segment: Segmenter) => tags.map(segment).filter(Boolean).join(' ');

type Segmenter = (text: string) => string;
/** Segmentations made ahead (an import's worker threads), by the exact text they were made from. */
export type KnownSegments = ReadonlyMap<string, string>;

const REBUILD_BATCH = 1000;

/**
 * The articles_fts index (migrations/sqlite/0001_search_index.sql). Synchronous, so that it runs inside
 * the article store's write transactions. The table is contentless: a row cannot be updated in
 * place, so an upsert deletes the old postings first.
 */
export function createSearchIndex(db: Db) {
  const sqlite = db.$client;
  const del = sqlite.prepare('DELETE FROM articles_fts WHERE rowid = ?');
  const ins = sqlite.prepare('INSERT INTO articles_fts (rowid, title, subtitle, summary, body, tags) VALUES (?, ?, ?, ?, ?, ?)');
  const batch = sqlite.prepare(
    'SELECT id, title, subtitle, summary, body_text AS bodyText, tags FROM articles WHERE id > ? ORDER BY id LIMIT ?',
  );

  // While an import holds the index (see hold), the rows to write, by id: the last state wins.
  let held: Map<number, SearchableRow> | null = null;

  function write(row: SearchableRow, segment: Segmenter = segmentForIndex): void {
    del.run(row.id);
    ins.run(row.id, segment(row.title), segment(row.subtitle ?? ''), segment(row.summary ?? ''), segment(row.bodyText), segmentTags(row.tags, segment));
  }

  function upsert(row: SearchableRow): void {
    // Only what the index takes is held: an article row also carries its body, kilobytes more.
    if (held) held.set(row.id, { id: row.id, title: row.title, subtitle: row.subtitle, summary: row.summary, bodyText: row.bodyText, tags: row.tags });
    else write(row);
  }

  /**
   * Runs `fn` (inside the caller's transaction) with index writes held back, then writes them one
   * after the other. FTS5 keeps new postings in memory until the transaction commits, but flushes
   * them to a new segment whenever any statement opens a savepoint — and a multi-row UPDATE or an
   * INSERT … SELECT (the change feed's) does. Interleaved with the other writes, that was a segment
   * per article: a third of an import's time, and an index of tiny segments to merge later.
   * When `fn` throws nothing is written: its transaction is being rolled back anyway. `known`
   * spares segmenting again what was segmented ahead; any other text is segmented here.
   */
  function hold<T>(fn: () => T, known?: KnownSegments): T {
    if (held) return fn();
    const rows = new Map<number, SearchableRow>();
    held = rows;
    let result: T;
    try {
      result = fn();
    } finally {
      held = null;
    }
    const segment = known ? (text: string) => known.get(text) ?? segmentForIndex(text) : segmentForIndex;
    for (const row of rows.values()) write(row, segment);
    return result;
  }

  function remove(id: number): void {
    held?.delete(id);
    del.run(id);
  }

  /** Empties the index and fills it again from the articles table, in one transaction. */
  function rebuild(): { articles: number } {
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

  /**
   * The article store's listener: keeps the index in step inside each write's transaction.
   * Trashing and restoring leave it alone (visibility is checked at query time); a purge removes
   * the row; other writes re-index only when the searchable text changed.
   */
  const listener: ArticleListener = (op, row, previous) => {
    if (op === 'purge') remove(row.id);
    else if (op === 'create' || previous === null || searchableTextChanged(row, previous)) upsert(row);
  };

  return { upsert, remove, rebuild, listener, hold };
}

export type SearchIndex = ReturnType<typeof createSearchIndex>;

/** `masthead reindex`: rebuilds the index from the articles table and says how long it took. */
export function reindex(db: Db): { articles: number; ms: number } {
  const started = performance.now();
  const { articles } = createSearchIndex(db).rebuild();
  return { articles, ms: performance.now() - started };
}
