import { and, asc, desc, eq, gte, sql } from 'drizzle-orm';
import type { SitemapRepo } from '../port.js';
import type { Db } from './connection.js';
import { articles, sections } from './schema.js';
import { visibleWhere } from './visibility.js';

/** A page's last change: an article's edit, or a scheduled one coming due (which adds it to the page). */
const lastmod = sql<number>`max(${articles.updatedAt}, ${articles.publishedAt})`;

const COLUMNS = { id: articles.id, slug: articles.slug, sectionSlug: sections.slug, title: articles.title, publishedAt: sql<number>`${articles.publishedAt}`, lastmod };

/** Visible articles for sitemaps; pages hold articles in id order, so new articles land on the last page. */
export function createSitemapRepo(db: Db): SitemapRepo {
  return {
    async pages(viewer, pageSize) {
      const numbered = db
        .select({ rn: sql<number>`row_number() over (order by ${articles.id})`.as('rn'), lastmod: lastmod.as('lastmod') })
        .from(articles)
        .where(visibleWhere(viewer))
        .as('numbered');
      // A bound JS number is a REAL to SQLite: cast it, or the division is not an integer one.
      const page = sql<number>`(${numbered.rn} - 1) / cast(${pageSize} as integer) + 1`;
      return db.select({ page, lastmod: sql<number>`max(${numbered.lastmod})` }).from(numbered).groupBy(page).orderBy(page).all();
    },

    async page(viewer, page, pageSize) {
      return db
        .select(COLUMNS)
        .from(articles)
        .innerJoin(sections, eq(sections.id, articles.sectionId))
        .where(visibleWhere(viewer))
        .orderBy(asc(articles.id))
        .limit(pageSize)
        .offset((page - 1) * pageSize)
        .all();
    },

    async publishedSince(viewer, since, limit) {
      return db
        .select(COLUMNS)
        .from(articles)
        .innerJoin(sections, eq(sections.id, articles.sectionId))
        .where(and(visibleWhere(viewer), gte(articles.publishedAt, since)))
        .orderBy(desc(articles.publishedAt), desc(articles.id))
        .limit(limit)
        .all();
    },
  };
}
