import type { After, ArticleListFilter, ArticleListRow, ArticleRepo, ArticleRow, ArticleSort, Visibility } from '../port.js';
import { articleColumns, ARTICLE_COLUMNS } from './columns.js';
import { searchCondition } from './fts.js';
import { binder, keysetAfter, type Bind } from './keyset.js';
import { rows, type Queryable } from './query.js';

/**
 * The same rule as canSee (src/articles/visibility.ts) and the SQLite adapter's visibleWhere
 * (src/store/sqlite/visibility.ts), over the articles table or an alias of it (`t` with its dot);
 * undefined for editors, who see everything. A partner's empty list of sections sees nothing, as on SQLite.
 */
export function visibleWhere(viewer: Visibility, bind: Bind, t = ''): string | undefined {
  if (viewer.editor) return undefined;
  const parts = [`${t}status = 'published'`, `${t}published_at <= ${bind(viewer.now)}`, `${t}deleted_at IS NULL`];
  if (viewer.sectionIds) parts.push(`${t}section_id = ANY(${bind(viewer.sectionIds)}::int8[])`);
  if (viewer.sourceIds) parts.push(`${t}source_id = ANY(${bind(viewer.sourceIds)}::int8[])`);
  return parts.join(' AND ');
}

/** The sort columns; publishedAt alone may be null. */
const SORT_COLUMNS: Record<ArticleSort['key'], { column: string; type: 'int' | 'text' }> = {
  publishedAt: { column: 'published_at', type: 'int' },
  updatedAt: { column: 'updated_at', type: 'int' },
  createdAt: { column: 'created_at', type: 'int' },
  title: { column: 'title', type: 'text' },
};

/**
 * The order of a list: SQLite's, where NULL comes first ascending and last descending. The
 * NULLS clause is said only for publishedAt, the one nullable key, and matches its indexes
 * (`published_at DESC NULLS LAST, id DESC`, walked backwards for ascending); the other keys keep
 * PostgreSQL's default, which is what their ascending indexes hold.
 */
export function orderBy(sort: ArticleSort, t = ''): string {
  const { column } = SORT_COLUMNS[sort.key];
  const nullable = sort.key === 'publishedAt';
  if (sort.desc) return `${t}${column} DESC${nullable ? ' NULLS LAST' : ''}, ${t}id DESC`;
  return `${t}${column} ASC${nullable ? ' NULLS FIRST' : ''}, ${t}id ASC`;
}

/** The keyset condition "after (value, id)" in the order of `sort` (./keyset.ts); title is COLLATE "C": compared by bytes, as SQLite does. */
export function afterCondition(sort: ArticleSort, at: After<number | string | null>, bind: Bind, t = ''): string {
  const { column, type } = SORT_COLUMNS[sort.key];
  return keysetAfter({ column: `${t}${column}`, id: `${t}id`, type, desc: sort.desc, nullable: sort.key === 'publishedAt' }, at, bind);
}

/** The list's conditions, as on SQLite (src/store/sqlite/lists.ts). */
function conditions(f: ArticleListFilter, viewer: Visibility, bind: Bind): string[] {
  const where: string[] = [];
  const visible = visibleWhere(viewer, bind);
  if (visible) where.push(visible);
  if (viewer.editor) where.push(f.trash ? 'deleted_at IS NOT NULL' : 'deleted_at IS NULL');
  if (f.status) where.push(`status = ${bind(f.status)}`);
  if (f.sectionIds) where.push(f.sectionIds.length === 1 ? `section_id = ${bind(f.sectionIds[0])}` : `section_id = ANY(${bind(f.sectionIds)}::int8[])`);
  if (f.sourceId !== undefined) where.push(`source_id = ${bind(f.sourceId)}`);
  if (f.externalId !== undefined) where.push(`external_id = ${bind(f.externalId)}`);
  if (f.search) where.push(searchCondition(f.search, 'id', bind));
  if (f.publishedAfter !== undefined) where.push(`published_at >= ${bind(f.publishedAfter)}`);
  if (f.publishedBefore !== undefined) where.push(`published_at < ${bind(f.publishedBefore)}`);
  if (f.updatedSince !== undefined) where.push(`updated_at >= ${bind(f.updatedSince)}`);
  // EXISTS probes the (article_id, tag) key for each candidate row in list order, rather than first building the set of every article with the tag.
  if (f.tags) where.push(`EXISTS (SELECT 1 FROM article_tags WHERE article_tags.article_id = articles.id AND article_tags.tag = ANY(${bind(f.tags)}::text[]))`);
  return where;
}

// The body and its text are most of a row's bytes: lists read them only when asked.
const LIST_KEYS = (Object.keys(ARTICLE_COLUMNS) as (keyof ArticleRow)[]).filter((key) => key !== 'body' && key !== 'bodyText');
const LIST_COLUMNS = articleColumns(LIST_KEYS);
const LIST_COLUMNS_WITH_BODY = articleColumns([...LIST_KEYS, 'body', 'bodyText']);

/** Article lists: keyset pages in any of the four orders, each statement planned for its own values (unnamed statements). */
export function createArticleLists(q: Queryable): ArticleRepo['list'] {
  return async (filter, sort, at, limit, withBody, viewer) => {
    const { values, bind } = binder();
    const where = conditions(filter, viewer, bind);
    if (at) where.push(afterCondition(sort, at, bind));
    const text = `SELECT ${withBody ? LIST_COLUMNS_WITH_BODY : LIST_COLUMNS} FROM articles${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${orderBy(sort)} LIMIT ${bind(limit)}`;
    return rows<ArticleListRow>(q, text, values);
  };
}
