import type { SearchHitRow } from './port.js';

/** A search hit as both adapters read it: the article's columns, its section's and source's flat beside them. */
export type FlatHitRow = Omit<SearchHitRow, 'section' | 'source'> & {
  sectionId: number;
  sectionSlug: string;
  sectionName: string;
  sourceId: number | null;
  sourceSlug: string | null;
  sourceName: string | null;
};

/** The hit as the port gives it, with its section and source (null when it has none) as objects. */
export const hitOf = ({ sectionId, sectionSlug, sectionName, sourceId, sourceSlug, sourceName, ...hit }: FlatHitRow): SearchHitRow => ({
  ...hit,
  section: { id: sectionId, slug: sectionSlug, name: sectionName },
  source: sourceId === null ? null : { id: sourceId, slug: sourceSlug!, name: sourceName! },
});
