import { sql } from 'drizzle-orm';
import { API_KEY_SCOPES, ARTICLE_STATUSES, DELIVERY_STATUSES, SOURCE_KINDS } from '../port.js';
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

export const articles = sqliteTable(
  'articles',
  {
    // Column order matters: SQLite reads a row's columns in order, and a body of a few kilobytes
    // spills into overflow pages. The small columns that lists, filters and revalidation read come
    // first, the body last, so reading them never walks the body's pages (migration 0004).
    id: integer('id').primaryKey({ autoIncrement: true }),
    status: text('status', { enum: ARTICLE_STATUSES }).notNull().default('draft'),
    publishedAt: integer('published_at'),
    deletedAt: integer('deleted_at'),
    sectionId: integer('section_id')
      .notNull()
      .references(() => sections.id, { onDelete: 'restrict' }),
    sourceId: integer('source_id').references(() => sources.id, { onDelete: 'restrict' }),
    version: integer('version').notNull().default(1),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    createdBy: integer('created_by'),
    updatedBy: integer('updated_by'),
    slug: text('slug').notNull(),
    externalId: text('external_id'),
    title: text('title').notNull(),
    subtitle: text('subtitle'),
    summary: text('summary'),
    byline: text('byline'),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    sourceUrl: text('source_url'),
    coverImageUrl: text('cover_image_url'),
    bodyText: text('body_text').notNull().default(''),
    body: text('body').notNull().default(''),
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
    // Readers' lists filter on status first; these let each sort walk an index instead of sorting every row.
    index('articles_status_updated_idx').on(t.status, t.updatedAt, t.id),
    index('articles_status_created_idx').on(t.status, t.createdAt, t.id),
    index('articles_status_title_idx').on(t.status, t.title, t.id),
    // Only the trash is looked up by deletedAt; a full index tempted SQLite to use it for "not deleted".
    index('articles_trash_idx').on(t.deletedAt).where(sql`${t.deletedAt} IS NOT NULL`),
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

export const CHANGE_RESOURCES = ['article', 'section', 'source', 'relatedLink'] as const;
export const CHANGE_OPS = ['create', 'update', 'delete'] as const;

/**
 * The change feed (src/changes/): one row per change, written in the write's own transaction, so
 * that the order of `cursor` is the order of commits. Article and related-link rows also record
 * whether readers could see the article before and after the change, and where it was filed, so a
 * reader's (or partner key's) view of the feed is a filter on this table. `pending` marks the
 * latest event of a scheduled article until its publication is written as an event of its own.
 */
export const changeEvents = sqliteTable(
  'change_events',
  {
    cursor: integer('cursor').primaryKey({ autoIncrement: true }),
    resource: text('resource', { enum: CHANGE_RESOURCES }).notNull(),
    resourceId: integer('resource_id').notNull(),
    op: text('op', { enum: CHANGE_OPS }).notNull(),
    at: integer('at').notNull(),
    articleId: integer('article_id'),
    sectionId: integer('section_id'),
    sourceId: integer('source_id'),
    prevSectionId: integer('prev_section_id'),
    prevSourceId: integer('prev_source_id'),
    readerBefore: integer('reader_before', { mode: 'boolean' }).notNull(),
    readerAfter: integer('reader_after', { mode: 'boolean' }).notNull(),
    pending: integer('pending', { mode: 'boolean' }).notNull().default(false),
    visibleAt: integer('visible_at'),
    /**
     * The feed position the event had on the database it was copied from (`masthead copy`,
     * positionKey in src/store/port.ts), so that a partner's cursor of that database goes on here;
     * null for an event written here.
     */
    origin: text('origin'),
  },
  (t) => [
    uniqueIndex('change_events_origin_unique').on(t.origin).where(sql`${t.origin} IS NOT NULL`),
    index('change_events_resource_idx').on(t.resource, t.resourceId, t.cursor),
    index('change_events_pending_idx').on(t.visibleAt).where(sql`${t.pending} = 1`),
    check('change_events_resource_check', sql`${t.resource} IN ('article', 'section', 'source', 'relatedLink')`),
    check('change_events_op_check', sql`${t.op} IN ('create', 'update', 'delete')`),
  ],
);

/** Endpoints partners registered (src/webhooks/); the secret signs deliveries (Standard Webhooks). */
export const webhooks = sqliteTable('webhooks', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  url: text('url').notNull(),
  events: text('events', { mode: 'json' }).$type<string[]>().notNull(),
  secret: text('secret').notNull(),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  /** Consecutive deliveries that failed for good; reset by a success. */
  failureCount: integer('failure_count').notNull().default(0),
  disabledReason: text('disabled_reason'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  /**
   * The delivery worker that holds the endpoint (sends its events, in order) and until when
   * (src/store/port.ts, DeliveryQueueRepo): a lease that expires, so a dead worker's runs out.
   */
  leaseOwner: text('lease_owner'),
  leaseUntil: integer('lease_until'),
});

/** The durable outbox and the delivery log: written with the change, updated after each attempt. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    webhookId: integer('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    /** The `webhook-id` header: the same on every retry and redelivery of one event. */
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    /** The exact body sent, so that every attempt sends (and signs) the same bytes. */
    payload: text('payload').notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    lastAttemptAt: integer('last_attempt_at'),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.id),
    // Each endpoint's oldest undelivered event, without walking its delivered history.
    index('webhook_deliveries_pending_idx').on(t.webhookId, t.id).where(sql`${t.status} = 'pending'`),
    check('webhook_deliveries_status_check', sql`${t.status} IN ('pending', 'succeeded', 'failed')`),
  ],
);
