import { and, eq, getTableColumns, gte, inArray, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { decodeCursor, encodeCursor, fingerprint } from '../common/pagination.js';
import { after, orderBy, type Sort } from '../store/sqlite/keyset.js';
import type { Db } from '../store/sqlite/connection.js';
import { articles, articleTags } from '../store/sqlite/schema.js';
import { AppError } from '../common/errors.js';
import type { ArticleRow } from './rows.js';
import type { ArticleListQueryInput } from './schemas.js';
import type { Viewer } from './visibility.js';
import { visibilityShape, visibleWhere } from '../store/sqlite/visibility.js';
import { matchOf } from '../search/store.js';
import { tagsOf } from '../common/filter-refs.js';

const SORTS: Record<string, Sort> = {
  publishedAt: { key: 'publishedAt', column: articles.publishedAt, desc: false, nullable: true },
  updatedAt: { key: 'updatedAt', column: articles.updatedAt, desc: false },
  createdAt: { key: 'createdAt', column: articles.createdAt, desc: false },
  title: { key: 'title', column: articles.title, desc: false },
};

function sortOf(param: string): Sort {
  const desc = param.startsWith('-');
  const base = SORTS[desc ? param.slice(1) : param]!;
  return { ...base, key: param, desc };
}

export type ListFilters = Omit<ArticleListQueryInput, 'limit' | 'cursor' | 'include' | 'fields' | 'sort'> & {
  /** section resolved to the ids of it and its subsections */
  sectionIds?: number[];
  sourceId?: number;
};

const editorOnly = (pointer: string) =>
  new AppError('editors-only', `Only editors (write keys) may use ${pointer.slice(1)}`, {
    errors: [{ in: 'query', pointer, message: 'Editors only' }],
  });

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

function checkAccess(f: ListFilters, viewer: Viewer) {
  if (f.status && f.status !== 'published' && !viewer.editor) throw editorOnly('/status');
  if (f.deleted === 'true' && !viewer.editor) throw editorOnly('/deleted');
}

function conditions(f: ListFilters, tags: string[] | undefined, viewer: Viewer, bind: BindAny): SQL[] {
  const where: SQL[] = [];
  const visible = visibleWhere(viewer, articles, bind);
  if (visible) where.push(visible);
  if (viewer.editor) where.push(f.deleted === 'true' ? isNotNull(articles.deletedAt) : isNull(articles.deletedAt));
  if (f.status) where.push(eq(articles.status, bind(f.status)));
  if (f.sectionIds) where.push(f.sectionIds.length === 1 ? eq(articles.sectionId, bind(f.sectionIds[0]!)) : inArray(articles.sectionId, f.sectionIds.map(bind)));
  if (f.sourceId !== undefined) where.push(eq(articles.sourceId, bind(f.sourceId)));
  if (f.externalId !== undefined) where.push(eq(articles.externalId, bind(f.externalId)));
  if (f.q !== undefined) where.push(inArray(articles.id, sql`(SELECT rowid FROM articles_fts WHERE articles_fts MATCH ${bind(matchOf(f.q))})`));
  if (f.publishedAfter) where.push(gte(articles.publishedAt, bind(Date.parse(f.publishedAfter))));
  if (f.publishedBefore) where.push(lt(articles.publishedAt, bind(Date.parse(f.publishedBefore))));
  if (f.updatedSince) where.push(gte(articles.updatedAt, bind(Date.parse(f.updatedSince))));
  if (tags) {
    // EXISTS probes the (article_id, tag) key for each candidate row in list order; `id IN (…)` would
    // first build the set of every article with the tag (tens of thousands for a common one).
    where.push(sql`EXISTS (SELECT 1 FROM ${articleTags} WHERE ${articleTags.articleId} = ${articles.id} AND ${inArray(articleTags.tag, tags.map(bind))})`);
  }
  return where;
}

/**
 * Everything that decides the SQL text of a list query, and nothing else (values are bound):
 * requests with the same shape share one prepared statement. A filter added to conditions()
 * must add its presence (or, for lists, its length) here.
 */
function shapeOf(f: ListFilters, tags: string[] | undefined, viewer: Viewer, sort: string, withBody: boolean, cursorValue: unknown) {
  const has = (v: unknown) => (v === undefined || v === '' ? 0 : 1);
  return [
    sort,
    withBody ? 'body' : '-',
    visibilityShape(viewer),
    f.deleted ?? '-',
    has(f.status),
    f.sectionIds?.length ?? '-',
    has(f.sourceId),
    has(f.externalId),
    has(f.q),
    has(f.publishedAfter),
    has(f.publishedBefore),
    has(f.updatedSince),
    tags?.length ?? '-',
    cursorValue === undefined ? 'first' : cursorValue === null ? 'after-null' : 'after',
  ].join('|');
}

/** Columns of a list row; the body (the heavy part) is read only when asked for. */
// The body and its text are most of a row's bytes: lists read them only when `fields` asks.
const { body: bodyColumn, bodyText: bodyTextColumn, ...LIST_COLUMNS } = getTableColumns(articles);
const columnsFor = (withBody: boolean) => (withBody ? { ...LIST_COLUMNS, body: bodyColumn, bodyText: bodyTextColumn } : LIST_COLUMNS);

export type ListRow = Omit<ArticleRow, 'body' | 'bodyText'> & { body?: string; bodyText?: string };

/** Prepared list statements kept per shape; far more shapes than this means odd traffic, so start over. */
const MAX_SHAPES = 500;

export function createArticleQueries(db: Db) {
  const prepared = new Map<string, { all(values: Record<string, unknown>): ListRow[] }>();

  return {
    async list(
      q: ListFilters & { limit: number; cursor?: string; sort: string; withBody: boolean },
      viewer: Viewer,
    ): Promise<{ rows: ListRow[]; nextCursor: string | null }> {
      const sort = sortOf(q.sort);
      // The cursor is bound to what selects and orders rows, not to how they are shaped (include, fields).
      const { limit, cursor, sort: _s, withBody, sectionIds: _ids, sourceId: _src, include: _i, fields: _f, ...filterParams } = q as typeof q & { include?: unknown; fields?: unknown };
      const filters = fingerprint({ ...filterParams, editor: viewer.editor });
      checkAccess(q, viewer);
      const tags = q.tag === undefined ? undefined : tagsOf(q.tag);
      const c = cursor ? decodeCursor(cursor, sort, filters) : undefined;
      const { values, bind } = binder();
      const where = conditions(q, tags, viewer, bind);
      if (c) where.push(after(sort, articles.id, c.v === null ? null : bind(c.v), bind(c.id)));
      values.limit = limit + 1;
      const key = shapeOf(q, tags, viewer, q.sort, withBody, c?.v);
      let statement = prepared.get(key);
      if (!statement) {
        if (prepared.size >= MAX_SHAPES) prepared.clear();
        statement = db
          .select(columnsFor(withBody))
          .from(articles)
          .where(and(...where))
          .orderBy(...orderBy(sort, articles.id))
          .limit(sql.placeholder('limit') as unknown as number)
          .prepare() as unknown as { all(values: Record<string, unknown>): ListRow[] };
        prepared.set(key, statement);
      }
      const rows = statement.all(values);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const column = sort.key.replace(/^-/, '') as 'publishedAt' | 'updatedAt' | 'createdAt' | 'title';
      const nextCursor = rows.length > limit && last ? encodeCursor(sort, filters, last[column], last.id) : null;
      return { rows: page, nextCursor };
    },
  };
}

export type ArticleQueries = ReturnType<typeof createArticleQueries>;
