import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';

// Times are stored as integer milliseconds since the epoch (UTC): compact, index-friendly,
// and sorted correctly; the API turns them into RFC 3339 strings.

export const sections = sqliteTable(
  'sections',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    parentId: integer('parent_id').references((): AnySQLiteColumn => sections.id, { onDelete: 'restrict' }),
    position: integer('position').notNull().default(0),
    version: integer('version').notNull().default(1),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('sections_slug_unique').on(t.slug),
    index('sections_parent_position_idx').on(t.parentId, t.position, t.id),
    index('sections_position_idx').on(t.position, t.id),
  ],
);

export const SOURCE_KINDS = ['newspaper', 'agency', 'website', 'partner', 'internal'] as const;

export const sources = sqliteTable(
  'sources',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    url: text('url'),
    kind: text('kind', { enum: SOURCE_KINDS }).notNull().default('newspaper'),
    version: integer('version').notNull().default(1),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('sources_slug_unique').on(t.slug),
    check('sources_kind_check', sql`${t.kind} IN ('newspaper', 'agency', 'website', 'partner', 'internal')`),
  ],
);

export const ARTICLE_STATUSES = ['draft', 'published', 'archived'] as const;

export const articles = sqliteTable(
  'articles',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    subtitle: text('subtitle'),
    summary: text('summary'),
    body: text('body').notNull().default(''),
    bodyText: text('body_text').notNull().default(''),
    byline: text('byline'),
    sectionId: integer('section_id')
      .notNull()
      .references(() => sections.id, { onDelete: 'restrict' }),
    sourceId: integer('source_id').references(() => sources.id, { onDelete: 'restrict' }),
    sourceUrl: text('source_url'),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    coverImageUrl: text('cover_image_url'),
    status: text('status', { enum: ARTICLE_STATUSES }).notNull().default('draft'),
    publishedAt: integer('published_at'),
    externalId: text('external_id'),
    version: integer('version').notNull().default(1),
    deletedAt: integer('deleted_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    createdBy: integer('created_by'),
    updatedBy: integer('updated_by'),
  },
  (t) => [
    uniqueIndex('articles_slug_unique').on(t.slug),
    uniqueIndex('articles_external_id_unique').on(t.externalId),
    index('articles_published_idx').on(t.publishedAt, t.id),
    index('articles_section_published_idx').on(t.sectionId, t.publishedAt, t.id),
    index('articles_source_published_idx').on(t.sourceId, t.publishedAt, t.id),
    index('articles_status_published_idx').on(t.status, t.publishedAt, t.id),
    index('articles_updated_idx').on(t.updatedAt, t.id),
    index('articles_created_idx').on(t.createdAt, t.id),
    index('articles_title_idx').on(t.title, t.id),
    index('articles_deleted_idx').on(t.deletedAt),
    check('articles_status_check', sql`${t.status} IN ('draft', 'published', 'archived')`),
    check('articles_version_check', sql`${t.version} >= 1`),
  ],
);

/** One row per (article, tag): lets the tag filter use an index instead of scanning JSON. */
export const articleTags = sqliteTable(
  'article_tags',
  {
    articleId: integer('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.tag] }), index('article_tags_tag_idx').on(t.tag, t.articleId)],
);

export const relatedLinks = sqliteTable(
  'related_links',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    articleId: integer('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    position: integer('position').notNull().default(0),
    targetArticleId: integer('target_article_id').references(() => articles.id, { onDelete: 'cascade' }),
    url: text('url'),
    title: text('title'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('related_links_article_position_idx').on(t.articleId, t.position, t.id),
    index('related_links_target_idx').on(t.targetArticleId),
    check(
      'related_links_one_target_check',
      sql`(${t.targetArticleId} IS NULL) <> (${t.url} IS NULL) AND (${t.url} IS NULL OR ${t.title} IS NOT NULL)`,
    ),
  ],
);

export const API_KEY_SCOPES = ['read', 'write', 'admin'] as const;

/** API keys: only a SHA-256 hash of the secret is stored; the secret is shown once. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    scope: text('scope', { enum: API_KEY_SCOPES }).notNull(),
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull(),
    sections: text('sections', { mode: 'json' }).$type<string[]>(),
    sources: text('sources', { mode: 'json' }).$type<string[]>(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [
    uniqueIndex('api_keys_secret_hash_unique').on(t.secretHash),
    check('api_keys_scope_check', sql`${t.scope} IN ('read', 'write', 'admin')`),
  ],
);

/** The previous state of an article, kept on every change. */
export const articleRevisions = sqliteTable(
  'article_revisions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    articleId: integer('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    revision: integer('revision').notNull(),
    snapshot: text('snapshot', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    createdBy: integer('created_by'),
  },
  (t) => [uniqueIndex('article_revisions_article_revision_unique').on(t.articleId, t.revision)],
);

/** Slugs an article used to have: old URLs answer 308 to the current one. */
export const articleSlugHistory = sqliteTable(
  'article_slug_history',
  {
    slug: text('slug').primaryKey(),
    articleId: integer('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('article_slug_history_article_idx').on(t.articleId)],
);
