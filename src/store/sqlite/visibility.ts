import { and, eq, inArray, isNull, lte, type Placeholder, type SQL } from 'drizzle-orm';
import type { Visibility } from '../port.js';
import { articles } from './schema.js';

/** Puts a value into a statement: as itself, or as a placeholder of a prepared statement (see queries.ts). */
export type Bind = (value: number) => number | Placeholder;
const asIs: Bind = (value) => value;

/**
 * The same rule as canSee (src/articles/visibility.ts), as SQL over the articles table (or an alias of it). Its shape depends
 * only on the viewer's kind and the number of partner sections and sources (see visibilityShape).
 */
export function visibleWhere(viewer: Visibility, t: typeof articles = articles, bind: Bind = asIs): SQL | undefined {
  if (viewer.editor) return undefined;
  const parts: SQL[] = [eq(t.status, 'published'), lte(t.publishedAt, bind(viewer.now)), isNull(t.deletedAt)];
  if (viewer.sectionIds) parts.push(inArray(t.sectionId, viewer.sectionIds.map(bind)));
  if (viewer.sourceIds) parts.push(inArray(t.sourceId, viewer.sourceIds.map(bind)));
  return and(...parts);
}

/** What decides the SQL text of visibleWhere (not its values): part of a prepared statement's key. */
export const visibilityShape = (v: Visibility) => (v.editor ? 'editor' : `reader:${v.sectionIds?.length ?? '-'}:${v.sourceIds?.length ?? '-'}`);
