import type { SitemapArticle, SitemapRepo, Visibility } from '../port.js';
import { rows, type Queryable } from './query.js';

/**
 * The rule of canSee (src/articles/visibility.ts) over `a`, the articles table: the same rule as
 * src/store/sqlite/visibility.ts. An empty list of partner sections or sources matches nothing.
 */
function visible(viewer: Visibility, bind: (value: unknown) => string): string {
  if (viewer.editor) return 'TRUE';
  const parts = [`a.status = 'published'`, `a.published_at <= ${bind(viewer.now)}`, 'a.deleted_at IS NULL'];
  if (viewer.sectionIds) parts.push(`a.section_id = ANY(${bind(viewer.sectionIds)}::int8[])`);
  if (viewer.sourceIds) parts.push(`a.source_id = ANY(${bind(viewer.sourceIds)}::int8[])`);
  return parts.join(' AND ');
}

/** Builds `$n` placeholders as values are added, so that the visibility's shape can vary. */
function statement(build: (bind: (value: unknown) => string) => string): [string, unknown[]] {
  const values: unknown[] = [];
  const text = build((value) => `$${values.push(value)}`);
  return [text, values];
}

/**
 * A page's last change: an article's edit, or a scheduled one coming due (which adds it to the
 * page). SQLite's scalar max() is NULL when publishedAt is (an editor's draft); GREATEST would
 * skip the NULL, so it is said outright.
 */
const LASTMOD = 'CASE WHEN a.published_at IS NULL THEN NULL ELSE GREATEST(a.updated_at, a.published_at) END';

const COLUMNS = `a.id, a.slug, s.slug AS "sectionSlug", a.title, a.published_at AS "publishedAt", ${LASTMOD} AS lastmod`;

/** Visible articles for sitemaps, as src/store/sqlite/sitemaps.ts; pages hold articles in id order, so new articles land on the last page. */
export function createSitemapRepo(q: Queryable): SitemapRepo {
  return {
    pages(viewer, pageSize) {
      const [text, values] = statement(
        (bind) => `SELECT (n.rn - 1) / ${bind(pageSize)}::int8 + 1 AS page, max(n.lastmod) AS lastmod
          FROM (SELECT row_number() OVER (ORDER BY a.id) AS rn, ${LASTMOD} AS lastmod FROM articles a WHERE ${visible(viewer, bind)}) n
          GROUP BY 1 ORDER BY 1`,
      );
      return rows<{ page: number; lastmod: number }>(q, text, values);
    },

    page(viewer, page, pageSize) {
      const [text, values] = statement(
        (bind) => `SELECT ${COLUMNS} FROM articles a JOIN sections s ON s.id = a.section_id WHERE ${visible(viewer, bind)}
          ORDER BY a.id LIMIT ${bind(pageSize)} OFFSET ${bind((page - 1) * pageSize)}`,
      );
      return rows<SitemapArticle>(q, text, values);
    },

    publishedSince(viewer, since, limit) {
      const [text, values] = statement(
        (bind) => `SELECT ${COLUMNS} FROM articles a JOIN sections s ON s.id = a.section_id
          WHERE ${visible(viewer, bind)} AND a.published_at >= ${bind(since)}
          ORDER BY a.published_at DESC NULLS LAST, a.id DESC LIMIT ${bind(limit)}`,
      );
      return rows<SitemapArticle>(q, text, values);
    },
  };
}
