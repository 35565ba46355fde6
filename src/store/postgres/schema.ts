import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { API_KEY_SCOPES, ARTICLE_STATUSES, DELIVERY_STATUSES, SOURCE_KINDS } from '../port.js';

/**
 * The same tables and columns as src/store/sqlite/schema.ts (test/store/schemas-match.test.ts holds
 * them to it), in PostgreSQL's terms:
 *
 * - times are bigint epoch milliseconds, as on SQLite, read as JS numbers (`mode: 'number'`, and
 *   the pool's int8 parser for hand-written statements): the rows the port hands out are the same;
 * - ids are bigint identities (SQLite's INTEGER PRIMARY KEY is 64-bit too), BY DEFAULT so that
 *   `masthead copy` can keep them;
 * - flags are real booleans;
 * - lists (tags, event types, a key's slugs) are jsonb; a revision's snapshot is `json`, which keeps
 *   the text as written (key order included) where jsonb would reorder it;
 * - text that is sorted or compared byte for byte — slugs, titles and source names in keyset order,
 *   external ids, tags — is `COLLATE "C"`: SQLite compares text as bytes (code points in UTF-8), and
 *   a server's default collation (en_US.UTF-8 on most managed services) would order 天津 and ASCII
 *   punctuation differently, and page a keyset list inconsistently with its cursor;
 * - SQLite sorts NULL first ascending and last descending, PostgreSQL the other way round: the
 *   adapter's statements say `NULLS FIRST` / `NULLS LAST`, and the publishedAt indexes are built
 *   `DESC NULLS LAST` so that both directions walk them (forwards and backwards).
 */

/** Text compared as bytes, as SQLite does. */
const textC = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });
/** The search index's weighted document (src/store/postgres/fts.ts). */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
/** A transaction id with its epoch (pg_current_xact_id()): never wraps around. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' });

const id = (name = 'id') => bigint(name, { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity();
const ref = (name: string) => bigint(name, { mode: 'number' });
const ms = (name: string) => bigint(name, { mode: 'number' });

export const sections = pgTable(
  'sections',
  {
    id: id(),
    slug: textC('slug').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    parentId: ref('parent_id').references((): AnyPgColumn => sections.id, { onDelete: 'restrict' }),
    position: integer('position').notNull().default(0),
    version: integer('version').notNull().default(1),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('sections_slug_unique').on(t.slug),
    index('sections_parent_position_idx').on(t.parentId, t.position, t.id),
    index('sections_position_idx').on(t.position, t.id),
  ],
);

export const sources = pgTable(
  'sources',
  {
    id: id(),
    slug: textC('slug').notNull(),
    name: textC('name').notNull(),
    url: text('url'),
    kind: text('kind', { enum: SOURCE_KINDS }).notNull().default('newspaper'),
    version: integer('version').notNull().default(1),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('sources_slug_unique').on(t.slug),
    // Sources page by name (SourceRepo.page); SQLite sorts them without one, at a newsroom's few hundred rows.
    index('sources_name_idx').on(t.name, t.id),
    check('sources_kind_check', sql`${t.kind} IN ('newspaper', 'agency', 'website', 'partner', 'internal')`),
  ],
);

export const articles = pgTable(
  'articles',
  {
    // The same order as on SQLite: small columns first. PostgreSQL moves a large body out of line
    // (TOAST) whatever its place, so here the order only keeps the two schemas easy to compare.
    id: id(),
    status: text('status', { enum: ARTICLE_STATUSES }).notNull().default('draft'),
    publishedAt: ms('published_at'),
    deletedAt: ms('deleted_at'),
    sectionId: ref('section_id')
      .notNull()
      .references(() => sections.id, { onDelete: 'restrict' }),
    sourceId: ref('source_id').references(() => sources.id, { onDelete: 'restrict' }),
    version: integer('version').notNull().default(1),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    createdBy: ref('created_by'),
    updatedBy: ref('updated_by'),
    slug: textC('slug').notNull(),
    externalId: textC('external_id'),
    title: textC('title').notNull(),
    subtitle: text('subtitle'),
    summary: text('summary'),
    byline: text('byline'),
    tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    sourceUrl: text('source_url'),
    coverImageUrl: text('cover_image_url'),
    bodyText: text('body_text').notNull().default(''),
    body: text('body').notNull().default(''),
  },
  (t) => [
    uniqueIndex('articles_slug_unique').on(t.slug),
    uniqueIndex('articles_external_id_unique').on(t.externalId),
    index('articles_published_idx').on(t.publishedAt.desc().nullsLast(), t.id.desc()),
    index('articles_section_published_idx').on(t.sectionId, t.publishedAt.desc().nullsLast(), t.id.desc()),
    index('articles_source_published_idx').on(t.sourceId, t.publishedAt.desc().nullsLast(), t.id.desc()),
    index('articles_status_published_idx').on(t.status, t.publishedAt.desc().nullsLast(), t.id.desc()),
    index('articles_updated_idx').on(t.updatedAt, t.id),
    index('articles_created_idx').on(t.createdAt, t.id),
    index('articles_title_idx').on(t.title, t.id),
    index('articles_status_updated_idx').on(t.status, t.updatedAt, t.id),
    index('articles_status_created_idx').on(t.status, t.createdAt, t.id),
    index('articles_status_title_idx').on(t.status, t.title, t.id),
    index('articles_trash_idx').on(t.deletedAt).where(sql`${t.deletedAt} IS NOT NULL`),
    check('articles_status_check', sql`${t.status} IN ('draft', 'published', 'archived')`),
    check('articles_version_check', sql`${t.version} >= 1`),
  ],
);

/** One row per (article, tag): the tag filter probes this key, as on SQLite. */
export const articleTags = pgTable(
  'article_tags',
  {
    articleId: ref('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    tag: textC('tag').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.tag] }), index('article_tags_tag_idx').on(t.tag, t.articleId)],
);

export const relatedLinks = pgTable(
  'related_links',
  {
    id: id(),
    articleId: ref('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    position: integer('position').notNull().default(0),
    targetArticleId: ref('target_article_id').references(() => articles.id, { onDelete: 'cascade' }),
    url: text('url'),
    title: text('title'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
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

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    name: text('name').notNull(),
    scope: text('scope', { enum: API_KEY_SCOPES }).notNull(),
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull(),
    sections: jsonb('sections').$type<string[]>(),
    sources: jsonb('sources').$type<string[]>(),
    createdAt: ms('created_at').notNull(),
    lastUsedAt: ms('last_used_at'),
    revokedAt: ms('revoked_at'),
  },
  (t) => [
    uniqueIndex('api_keys_secret_hash_unique').on(t.secretHash),
    check('api_keys_scope_check', sql`${t.scope} IN ('read', 'write', 'admin')`),
  ],
);

export const articleRevisions = pgTable(
  'article_revisions',
  {
    id: id(),
    articleId: ref('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    revision: integer('revision').notNull(),
    snapshot: json('snapshot').$type<Record<string, unknown>>().notNull(),
    createdAt: ms('created_at').notNull(),
    createdBy: ref('created_by'),
  },
  (t) => [uniqueIndex('article_revisions_article_revision_unique').on(t.articleId, t.revision)],
);

export const articleSlugHistory = pgTable(
  'article_slug_history',
  {
    slug: textC('slug').primaryKey(),
    articleId: ref('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('article_slug_history_article_idx').on(t.articleId)],
);

export const CHANGE_RESOURCES = ['article', 'section', 'source', 'relatedLink'] as const;
export const CHANGE_OPS = ['create', 'update', 'delete'] as const;

/**
 * The change feed. On SQLite `cursor` is commit order (one writer); with concurrent writers it is
 * not (a reader paging `cursor > n` skipped ~13 % of events at 8 writers). `xid` is the writing
 * transaction's id: the feed serves only events whose transaction is below every transaction still
 * running (`pg_snapshot_xmin(pg_current_snapshot())`), so an event that commits later with a smaller
 * cursor is never stepped past (src/store/postgres/feed.ts).
 */
export const changeEvents = pgTable(
  'change_events',
  {
    cursor: id('cursor'),
    resource: text('resource', { enum: CHANGE_RESOURCES }).notNull(),
    resourceId: ref('resource_id').notNull(),
    op: text('op', { enum: CHANGE_OPS }).notNull(),
    at: ms('at').notNull(),
    articleId: ref('article_id'),
    sectionId: ref('section_id'),
    sourceId: ref('source_id'),
    prevSectionId: ref('prev_section_id'),
    prevSourceId: ref('prev_source_id'),
    readerBefore: boolean('reader_before').notNull(),
    readerAfter: boolean('reader_after').notNull(),
    pending: boolean('pending').notNull().default(false),
    visibleAt: ms('visible_at'),
    /** The position on the database it was copied from (masthead copy), as on SQLite. */
    origin: text('origin'),
    xid: xid8('xid')
      .notNull()
      .default(sql`pg_current_xact_id()`),
  },
  (t) => [
    uniqueIndex('change_events_origin_unique').on(t.origin).where(sql`${t.origin} IS NOT NULL`),
    index('change_events_resource_idx').on(t.resource, t.resourceId, t.cursor),
    index('change_events_pending_idx').on(t.visibleAt).where(sql`${t.pending}`),
    index('change_events_xid_idx').on(t.xid, t.cursor),
    check('change_events_resource_check', sql`${t.resource} IN ('article', 'section', 'source', 'relatedLink')`),
    check('change_events_op_check', sql`${t.op} IN ('create', 'update', 'delete')`),
  ],
);

export const webhooks = pgTable('webhooks', {
  id: id(),
  url: text('url').notNull(),
  events: jsonb('events').$type<string[]>().notNull(),
  secret: text('secret').notNull(),
  active: boolean('active').notNull().default(true),
  failureCount: integer('failure_count').notNull().default(0),
  disabledReason: text('disabled_reason'),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
  /** The worker holding the endpoint and until when; leased with FOR UPDATE SKIP LOCKED. */
  leaseOwner: text('lease_owner'),
  leaseUntil: ms('lease_until'),
});

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    webhookId: ref('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: text('payload').notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ms('next_attempt_at'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdAt: ms('created_at').notNull(),
    lastAttemptAt: ms('last_attempt_at'),
    deliveredAt: ms('delivered_at'),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.id),
    index('webhook_deliveries_pending_idx').on(t.webhookId, t.id).where(sql`${t.status} = 'pending'`),
    check('webhook_deliveries_status_check', sql`${t.status} IN ('pending', 'succeeded', 'failed')`),
  ],
);

/**
 * The search index: the app's own tokens per field (src/search/segment.ts), as SQLite's articles_fts
 * holds them (a virtual table outside its drizzle schema), and `tsv`, the weighted document built
 * from them. Its index (RUM where the server has it, else GIN) comes with the search adapter.
 *
 * `pending`: written since the RUM index last took the entry in (fold.ts). Where search ranks with
 * RUM, a write leaves its entry pending: out of the RUM index (`WHERE NOT pending`), whose upkeep
 * costs about 20 ms of the server's CPU per entry, and in the small GIN index of pending entries
 * below, about 1 ms; searches read both (search.ts), and a serving node folds pending entries into
 * RUM in the background. With GIN alone no entry is ever pending.
 */
export const articleSearch = pgTable('article_search', {
  articleId: ref('article_id')
    .primaryKey()
    .references(() => articles.id, { onDelete: 'cascade' }),
  title: text('title').notNull(),
  subtitle: text('subtitle').notNull(),
  summary: text('summary').notNull(),
  body: text('body').notNull(),
  tags: text('tags').notNull(),
  tsv: tsvector('tsv').notNull(),
  pending: boolean('pending').notNull().default(false),
}, (t) => [
  index('article_search_tsv_idx').using('gin', t.tsv),
  // The pending entries' documents, for the searches' second read, and their ids in order, for the fold.
  index('article_search_pending_tsv_idx').using('gin', t.tsv).where(sql`${t.pending}`),
  index('article_search_pending_idx').on(t.articleId).where(sql`${t.pending}`),
]);

/**
 * The content generation every node's exact caches key their answers on (src/common/exact-cache.ts):
 * one row, moved by every unit of work that changes content, in that unit's transaction, so that a
 * node reading it sees the change with the number (one indexed read per cached answer). On SQLite
 * the process counts its own units and reads PRAGMA data_version for other processes' commits.
 */
export const contentGeneration = pgTable(
  'content_generation',
  {
    id: integer('id').primaryKey(),
    value: bigint('value', { mode: 'number' }).notNull(),
  },
  (t) => [check('content_generation_one_row', sql`${t.id} = 1`)],
);

/**
 * An import's articles waiting for forward references (PendingLinksRepo): one list per import,
 * named at random. SQLite keeps each list in a TEMP table of the one writing connection; an
 * import on PostgreSQL commits its batches on whichever pooled connection is free, so the lists
 * share one ordinary table, dropped list by list.
 */
export const importPendingLinks = pgTable(
  'import_pending_links',
  {
    list: text('list').notNull(),
    position: bigint('position', { mode: 'number' }).generatedAlwaysAsIdentity(),
    articleId: ref('article_id').notNull(),
    line: integer('line').notNull(),
    status: text('status').notNull(),
    externalId: text('external_id'),
    slug: text('slug'),
    links: text('links').notNull(),
  },
  (t) => [primaryKey({ columns: [t.list, t.position] }), index('import_pending_links_article_idx').on(t.list, t.articleId)],
);
