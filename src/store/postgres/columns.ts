import type { ArticleRow } from '../port.js';

/** Row key → column of the articles table, in table order. */
export const ARTICLE_COLUMNS: Record<keyof ArticleRow, string> = {
  id: 'id',
  status: 'status',
  publishedAt: 'published_at',
  deletedAt: 'deleted_at',
  sectionId: 'section_id',
  sourceId: 'source_id',
  version: 'version',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  createdBy: 'created_by',
  updatedBy: 'updated_by',
  slug: 'slug',
  externalId: 'external_id',
  title: 'title',
  subtitle: 'subtitle',
  summary: 'summary',
  byline: 'byline',
  tags: 'tags',
  sourceUrl: 'source_url',
  coverImageUrl: 'cover_image_url',
  bodyText: 'body_text',
  body: 'body',
};

/** The select list of the given row keys (of the table `alias`, when given). */
export const articleColumns = (keys: (keyof ArticleRow)[], alias = '') =>
  keys.map((key) => (key === ARTICLE_COLUMNS[key] ? `${alias}${key}` : `${alias}${ARTICLE_COLUMNS[key]} AS "${key}"`)).join(', ');

/** Every column under its row name; tags (jsonb) arrives as a JS array, times and ids as numbers (the pool's int8 parser). */
export const ARTICLE_SQL_COLUMNS = articleColumns(Object.keys(ARTICLE_COLUMNS) as (keyof ArticleRow)[]);
