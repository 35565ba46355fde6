import { and, eq, getTableColumns, gte, inArray, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { After, ArticleListFilter, ArticleListRow, ArticleRepo, ArticleSort, Visibility } from '../port.js';
import type { Db } from './connection.js';
import { ftsMatch } from './fts.js';
import { after as afterRow, orderBy, type Sort } from './keyset.js';
import { articles, articleTags } from './schema.js';
import { visibilityShape, visibleWhere } from './visibility.js';

const COLUMNS: Record<ArticleSort['key'], Sort['column']> = {
  publishedAt: articles.publishedAt,
  updatedAt: articles.updatedAt,
  createdAt: articles.createdAt,
  title: articles.title,
};
const sortOf = (s: ArticleSort): Sort => ({ key: s.key, column: COLUMNS[s.key], desc: s.desc, nullable: s.key === 'publishedAt' });

/** Named placeholders for a statement's values, so one prepared statement serves every request of its shape. */
function binder() {
  const values: Record<string, unknown> = {};
  let n = 0;
  const bind = (value: unknown) => {
    const name = `p${n++}`;
    values[name] = value;
    return sql.placeholder(name);
  };
  return { values, bind };
}
type BindAny = ReturnType<typeof binder>['bind'];

function conditions(f: ArticleListFilter, viewer: Visibility, bind: BindAny): SQL[] {
  const where: SQL[] = [];
  const visible = visibleWhere(viewer, articles, bind);
  if (visible) where.push(visible);
  if (viewer.editor) where.push(f.trash ? isNotNull(articles.deletedAt) : isNull(articles.deletedAt));
  if (f.status) where.push(eq(articles.status, bind(f.status)));
  if (f.sectionIds) where.push(f.sectionIds.length === 1 ? eq(articles.sectionId, bind(f.sectionIds[0]!)) : inArray(articles.sectionId, f.sectionIds.map(bind)));
  if (f.sourceId !== undefined) where.push(eq(articles.sourceId, bind(f.sourceId)));
  if (f.externalId !== undefined) where.push(eq(articles.externalId, bind(f.externalId)));
  if (f.search) where.push(inArray(articles.id, sql`(SELECT rowid FROM articles_fts WHERE articles_fts MATCH ${bind(ftsMatch(f.search))})`));
  if (f.publishedAfter !== undefined) where.push(gte(articles.publishedAt, bind(f.publishedAfter)));
  if (f.publishedBefore !== undefined) where.push(lt(articles.publishedAt, bind(f.publishedBefore)));
  if (f.updatedSince !== undefined) where.push(gte(articles.updatedAt, bind(f.updatedSince)));
  if (f.tags) {
    // EXISTS probes the (article_id, tag) key for each candidate row in list order; `id IN (…)` would
    // first build the set of every article with the tag (tens of thousands for a common one).
    where.push(sql`EXISTS (SELECT 1 FROM ${articleTags} WHERE ${articleTags.articleId} = ${articles.id} AND ${inArray(articleTags.tag, f.tags.map(bind))})`);
  }
  return where;
}

/**
 * Everything that decides the SQL text of a list query, and nothing else (values are bound):
 * requests with the same shape share one prepared statement. A filter added to conditions()
 * must add its presence (or, for lists, its length) here.
 */
function shapeOf(f: ArticleListFilter, viewer: Visibility, sort: ArticleSort, withBody: boolean, at: After<unknown> | undefined) {
  const has = (v: unknown) => (v === undefined ? 0 : 1);
  return [
    sort.key,
    sort.desc ? 'desc' : 'asc',
    withBody ? 'body' : '-',
    visibilityShape(viewer),
    f.trash ? 'trash' : '-',
    has(f.status),
    f.sectionIds?.length ?? '-',
    has(f.sourceId),
    has(f.externalId),
    has(f.search),
    has(f.publishedAfter),
    has(f.publishedBefore),
    has(f.updatedSince),
    f.tags?.length ?? '-',
    at === undefined ? 'first' : at.value === null ? 'after-null' : 'after',
  ].join('|');
}

// The body and its text are most of a row's bytes: lists read them only when asked.
const { body: bodyColumn, bodyText: bodyTextColumn, ...LIST_COLUMNS } = getTableColumns(articles);
const columnsFor = (withBody: boolean) => (withBody ? { ...LIST_COLUMNS, body: bodyColumn, bodyText: bodyTextColumn } : LIST_COLUMNS);

/** Prepared list statements kept per shape; far more shapes than this means odd traffic, so start over. */
const MAX_SHAPES = 500;

/** Article lists: keyset pages in any of the four orders, the filters bound into a statement prepared per shape. */
export function createArticleLists(db: Db): ArticleRepo['list'] {
  const prepared = new Map<string, { all(values: Record<string, unknown>): ArticleListRow[] }>();
  return async (filter, sortBy, at, limit, withBody, viewer) => {
    const sort = sortOf(sortBy);
    const { values, bind } = binder();
    const where = conditions(filter, viewer, bind);
    if (at) where.push(afterRow(sort, articles.id, at.value === null ? null : bind(at.value), bind(at.id)));
    values.limit = limit;
    const key = shapeOf(filter, viewer, sortBy, withBody, at);
    let statement = prepared.get(key);
    if (!statement) {
      if (prepared.size >= MAX_SHAPES) prepared.clear();
      statement = db
        .select(columnsFor(withBody))
        .from(articles)
        .where(and(...where))
        .orderBy(...orderBy(sort, articles.id))
        .limit(sql.placeholder('limit') as unknown as number)
        .prepare() as unknown as { all(values: Record<string, unknown>): ArticleListRow[] };
      prepared.set(key, statement);
    }
    return statement.all(values);
  };
}
