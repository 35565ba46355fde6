import { decodeCursor, encodeCursor, fingerprint, type SortKey } from '../common/pagination.js';
import { AppError } from '../common/errors.js';
import { tagsOf } from '../common/filter-refs.js';
import { searchQueryOf } from '../search/query.js';
import type { ArticleListFilter, ArticleListRow, ArticleRepo, ArticleSort, ArticleSortKey } from '../store/port.js';
import type { ArticleListQueryInput } from './schemas.js';
import type { Viewer } from './visibility.js';

export type ListFilters = Omit<ArticleListQueryInput, 'limit' | 'cursor' | 'include' | 'fields' | 'sort'> & {
  /** section resolved to the ids of it and its subsections */
  sectionIds?: number[];
  sourceId?: number;
};

export type ListRow = ArticleListRow;

const editorOnly = (pointer: string) =>
  new AppError('editors-only', `Only editors (write keys) may use ${pointer.slice(1)}`, {
    errors: [{ in: 'query', pointer, message: 'Editors only' }],
  });

function checkAccess(f: ListFilters, viewer: Viewer) {
  if (f.status && f.status !== 'published' && !viewer.editor) throw editorOnly('/status');
  if (f.deleted === 'true' && !viewer.editor) throw editorOnly('/deleted');
}

/** `-updatedAt` → updatedAt, descending; the route's schema allows only the four sort keys. */
function sortOf(param: string): ArticleSort {
  const desc = param.startsWith('-');
  return { key: (desc ? param.slice(1) : param) as ArticleSortKey, desc };
}

/** The query parameters as the store filters on them: dates as epoch ms, tags and the search parsed. */
function filterOf(f: ListFilters): ArticleListFilter {
  const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : undefined);
  return {
    trash: f.deleted === 'true',
    status: f.status,
    sectionIds: f.sectionIds,
    sourceId: f.sourceId,
    externalId: f.externalId,
    search: f.q === undefined ? undefined : searchQueryOf(f.q),
    publishedAfter: ms(f.publishedAfter),
    publishedBefore: ms(f.publishedBefore),
    updatedSince: ms(f.updatedSince),
    tags: f.tag === undefined ? undefined : tagsOf(f.tag),
  };
}

/** Article lists: the rules (who may filter on what), the opaque cursor, and one row more than the page to know whether another follows. */
export function createArticleQueries(articles: Pick<ArticleRepo, 'list'>) {
  return {
    async list(
      q: ListFilters & { limit: number; cursor?: string; sort: string; withBody: boolean },
      viewer: Viewer,
    ): Promise<{ rows: ListRow[]; nextCursor: string | null }> {
      const sort = sortOf(q.sort);
      const cursorSort: SortKey = { key: q.sort };
      // The cursor is bound to what selects and orders rows, not to how they are shaped (include, fields).
      const { limit, cursor, sort: _s, withBody, sectionIds: _ids, sourceId: _src, include: _i, fields: _f, ...filterParams } = q as typeof q & { include?: unknown; fields?: unknown };
      const filters = fingerprint({ ...filterParams, editor: viewer.editor });
      checkAccess(q, viewer);
      const c = cursor ? decodeCursor(cursor, cursorSort, filters) : undefined;
      const rows = await articles.list(filterOf(q), sort, c && { value: c.v, id: c.id }, limit + 1, withBody, viewer);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > limit && last ? encodeCursor(cursorSort, filters, last[sort.key], last.id) : null;
      return { rows: page, nextCursor };
    },
  };
}

export type ArticleQueries = ReturnType<typeof createArticleQueries>;
