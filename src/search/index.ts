import type { ArticleWriteOp } from '../changes/recorder.js';
import type { ArticleRow, SearchableRow, SearchDocument, Store, Tx } from '../store/port.js';
import { segmentForIndex } from './segment.js';

export type { SearchableRow };

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
 * Empties the search index and fills it again from every article, each document segmented here
 * (the store only writes them): what a change of segmentation or ranking needs.
 */
export const rebuildSearchIndex = (store: Pick<Store, 'rebuildSearchIndex'>): Promise<{ articles: number }> => store.rebuildSearchIndex((row) => documentOf(row));

/** `masthead reindex`: rebuilds the index from the articles table and says how long it took. */
export async function reindex(store: Pick<Store, 'rebuildSearchIndex'>): Promise<{ articles: number; ms: number }> {
  const started = performance.now();
  const { articles } = await rebuildSearchIndex(store);
  return { articles, ms: performance.now() - started };
}
