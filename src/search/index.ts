import type { ArticleWriteOp } from '../changes/recorder.js';
import type { ArticleRow, SearchDocument, Tx } from '../store/port.js';
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

/** What the index holds of an article, segmented; `known` spares segmenting again what was segmented ahead. */
export function documentOf(row: SearchableRow, known?: KnownSegments): SearchDocument {
  const segment: Segmenter = known ? (text) => known.get(text) ?? segmentForIndex(text) : segmentForIndex;
  return { title: segment(row.title), subtitle: segment(row.subtitle ?? ''), summary: segment(row.summary ?? ''), body: segment(row.bodyText), tags: segmentTags(row.tags, segment) };
}

/**
 * Keeps the index in step with an article write, through the write's unit of work (called by the
 * write effects). Trashing and restoring leave it alone (visibility is checked at query time); a
 * purge removes the entry; other writes re-index only when the searchable text changed.
 */
export async function indexArticle(tx: Tx, op: ArticleWriteOp, row: ArticleRow, previous: ArticleRow | null, known?: KnownSegments): Promise<void> {
  if (op === 'purge') await tx.searchIndex.remove(row.id);
  else if (op === 'create' || previous === null || searchableTextChanged(row, previous)) await tx.searchIndex.put(row.id, documentOf(row, known));
}

/**
 * Empties the articles_fts index (migrations/sqlite/0001_search_index.sql) and fills it again
 * from the articles table, in one transaction. Still on the SQLite handle (storage port: the
 * search side moves into the adapter next).
 */
export function rebuildSearchIndex(db: Db): { articles: number } {
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

/** `masthead reindex`: rebuilds the index from the articles table and says how long it took. */
export function reindex(db: Db): { articles: number; ms: number } {
  const started = performance.now();
  const { articles } = rebuildSearchIndex(db);
  return { articles, ms: performance.now() - started };
}
