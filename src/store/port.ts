/**
 * The storage port: the one async interface the features use to reach the database, whatever
 * the dialect. Reads go through the repositories of `Store`; a write is a unit of work,
 * `store.write(async (tx) => …)`, in which the content change, its change-feed event, its
 * outbox rows and its search-index entry are all written through the same `tx` and commit
 * together or not at all. Nothing here is correct "because there is one writer": updates are
 * conditional on the version the caller read, and inserts that may collide rely on the unique
 * constraints, whose violations the adapter turns into the 409 of src/store/unique.ts.
 *
 * Adapters, in the folders beside this file: sqlite/ (better-sqlite3, the embedded default) and
 * postgres/ (node-postgres). They are the only code that knows a driver or a dialect
 * (test/store/boundary.test.ts holds them to it); open.ts picks one from the configuration.
 */

export type Dialect = 'sqlite' | 'postgres';

/**
 * A database as a worker thread is told of it (Store.thread): a plain value, cloned into the
 * thread, from which src/store/open.ts opens a store there. A SQLite file for now.
 */
export type ThreadTarget = { readonly dialect: 'sqlite'; readonly file: string };

/**
 * The database cannot be used as it is — written by a newer Masthead, read-only, damaged — and
 * no request could change that: the message is the one line a command prints before it exits.
 */
export class StoreUnusable extends Error {
  override name = 'StoreUnusable';
}

/** Times are epoch milliseconds (UTC) in every row; the API turns them into RFC 3339. */
export type SectionRow = {
  id: number;
  slug: string;
  name: string;
  description: string | null;
  parentId: number | null;
  position: number;
  version: number;
  createdAt: number;
  updatedAt: number;
};

export const SOURCE_KINDS = ['newspaper', 'agency', 'website', 'partner', 'internal'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export type SourceRow = {
  id: number;
  slug: string;
  name: string;
  url: string | null;
  kind: SourceKind;
  version: number;
  createdAt: number;
  updatedAt: number;
};

type Mutable<Row> = Omit<Row, 'id' | 'version' | 'createdAt' | 'updatedAt'>;

/** Where a keyset page starts: after the row with this sort value and id. */
export type After<V> = { value: V; id: number };

/**
 * What sections and sources have in common: records with a unique slug and a version, read by
 * id or slug, listed by keyset, changed only at the version the caller read.
 */
export interface CatalogRepo<Row extends { id: number; slug: string; version: number }> {
  byId(id: number): Promise<Row | undefined>;
  bySlug(slug: string): Promise<Row | undefined>;
  insert(values: Mutable<Row> & { createdAt: number }): Promise<Row>;
  /** Changes the row only if it still has `version`; undefined when it does not (or is gone). */
  update(id: number, version: number, patch: Partial<Mutable<Row>> & { updatedAt: number }): Promise<Row | undefined>;
  /** Deletes the row only if it still has `version`; false when it does not (or is gone). */
  delete(id: number, version: number): Promise<boolean>;
  /** Whether any article (trashed ones included) refers to the record. */
  inUse(id: number): Promise<boolean>;
  /** The records with these ids (those that exist), in no particular order. */
  byIds(ids: number[]): Promise<Row[]>;
  /** The ids of the records with these slugs (those that exist). */
  idsOf(slugs: string[]): Promise<number[]>;
}

export type SectionFilter = { parentId?: number | null };

export interface SectionRepo extends CatalogRepo<SectionRow> {
  /** In navigation order (position, id), after `after`, at most `limit` rows. */
  page(filter: SectionFilter, after: After<number> | undefined, limit: number): Promise<SectionRow[]>;
  /** Every section in navigation order (the tree). */
  all(): Promise<SectionRow[]>;
  hasChildren(id: number): Promise<boolean>;
  /** The ids of a section and all its subsections. */
  descendantIds(id: number): Promise<number[]>;
  /** The ids of the sections with these slugs and of all their subsections (a partner key's reach). */
  subtreeIds(slugs: string[]): Promise<number[]>;
}

export type SourceFilter = { kind?: SourceKind };

export interface SourceRepo extends CatalogRepo<SourceRow> {
  /** By name, then id, after `after`, at most `limit` rows. */
  page(filter: SourceFilter, after: After<string> | undefined, limit: number): Promise<SourceRow[]>;
  /** Every source, by id. */
  all(): Promise<SourceRow[]>;
}

// ---- Articles, their revisions, tags and old slugs; related links -------------------------------

export const ARTICLE_STATUSES = ['draft', 'published', 'archived'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];

export type ArticleRow = {
  id: number;
  status: ArticleStatus;
  publishedAt: number | null;
  deletedAt: number | null;
  sectionId: number;
  sourceId: number | null;
  version: number;
  createdAt: number;
  updatedAt: number;
  createdBy: number | null;
  updatedBy: number | null;
  slug: string;
  externalId: string | null;
  title: string;
  subtitle: string | null;
  summary: string | null;
  byline: string | null;
  tags: string[];
  sourceUrl: string | null;
  coverImageUrl: string | null;
  bodyText: string;
  body: string;
};

/** The few columns of an article that revalidation reads (304s): no body. */
export type ArticleHead = Pick<ArticleRow, 'id' | 'status' | 'publishedAt' | 'deletedAt' | 'sectionId' | 'sourceId' | 'version' | 'updatedAt'>;
/** What identifies an article to an import: its id, external id and slug. */
export type ArticleKeys = Pick<ArticleRow, 'id' | 'externalId' | 'slug'>;
export type ArticleInsert = Omit<ArticleRow, 'id' | 'version'>;
/** What an update may change; the adapter sets the version to the one read plus one. */
export type ArticlePatch = Partial<Omit<ArticleRow, 'id' | 'version' | 'createdAt' | 'createdBy'>> & { updatedAt: number };

/**
 * A search as the app's own segmenter reads it (src/search/query.ts), whatever the index: every
 * phrase must match (AND), each a run of consecutive tokens; a token marked prefix matches any
 * indexed token it begins. Adapters turn it into their index's query (FTS5 MATCH, a tsquery).
 */
export type SearchToken = { text: string; prefix: boolean };
export type SearchQuery = { phrases: SearchToken[][] };

export type ArticleSortKey = 'publishedAt' | 'updatedAt' | 'createdAt' | 'title';
/** A list's order; `id` in the same direction breaks ties. publishedAt may be null: NULLs come first ascending, last descending. */
export type ArticleSort = { key: ArticleSortKey; desc: boolean };

/** What an article list selects, besides the viewer's visibility. Times are epoch ms; the editors-only filters are checked before. */
export type ArticleListFilter = {
  /** Editors: the trash (true) or everything outside it (false, the default). Readers never see the trash. */
  trash?: boolean;
  status?: ArticleStatus;
  sectionIds?: number[];
  sourceId?: number;
  externalId?: string;
  search?: SearchQuery;
  /** publishedAt >= publishedAfter, < publishedBefore; updatedAt >= updatedSince. */
  publishedAfter?: number;
  publishedBefore?: number;
  updatedSince?: number;
  /** Articles with any of these tags. */
  tags?: string[];
};

/** A list's row: the body and its text are most of a row's bytes and are read only when asked for. */
export type ArticleListRow = Omit<ArticleRow, 'body' | 'bodyText'> & { body?: string; bodyText?: string };

/** Which articles a scan by id takes in (an export): all of them, or those matching every filter given. */
export type ArticleScan = { sectionIds?: number[]; sourceId?: number; updatedSince?: number };

/** The state an article had at version `revision` (a snapshot of its editable fields). */
export type RevisionRow = { articleId: number; revision: number; snapshot: Record<string, unknown>; createdAt: number; createdBy: number | null };

export interface ArticleRepo {
  byId(id: number): Promise<ArticleRow | undefined>;
  bySlug(slug: string): Promise<ArticleRow | undefined>;
  byExternalId(externalId: string): Promise<ArticleRow | undefined>;
  head(id: number): Promise<ArticleHead | undefined>;
  /** The id, externalId and slug of the articles that have one of these external ids or one of these slugs (those that exist), in no particular order: one read for an import line's link targets. */
  keysOf(externalIds: string[], slugs: string[]): Promise<ArticleKeys[]>;
  /** The article that used to have this slug (an old URL), if any. */
  formerOwner(slug: string): Promise<number | undefined>;
  /** Inserts the article and its tag rows, under an id never used before (ids only grow: the change feed relies on it). */
  insert(values: ArticleInsert): Promise<ArticleRow>;
  /** Changes the article (and its tag rows when `tags` is in the patch) only if it still has `version`. */
  update(id: number, version: number, patch: ArticlePatch): Promise<ArticleRow | undefined>;
  /** Deletes the article only if it still has `version`, with its tags, revisions, old slugs and links (both ways). */
  delete(id: number, version: number): Promise<boolean>;
  /** Keeps `slug` as an old slug of the article (an old URL that redirects); a slug kept already stays with its owner. */
  retireSlug(slug: string, articleId: number, at: number): Promise<void>;
  /** Forgets an old slug: a new article or a rename takes it over. */
  releaseSlug(slug: string): Promise<void>;
  addRevision(row: RevisionRow): Promise<void>;
  revision(articleId: number, revision: number): Promise<RevisionRow | undefined>;
  /**
   * The span around `now` in which no published article comes due: from the latest publishedAt at
   * or before `now` to the earliest after it (±Infinity when there is none). Readers see the same
   * articles throughout; trashed articles count too, which only shortens it.
   */
  publicationSpan(now: number): Promise<{ from: number; until: number }>;
  /** Every past state of the article, newest first (the current state is the article itself). */
  revisions(articleId: number): Promise<RevisionRow[]>;
  /**
   * Up to `limit` articles the viewer may see that match the filter, in `sort` order, after the
   * row `after` (its sort value and id); with `withBody`, the body and its text too.
   */
  list(
    filter: ArticleListFilter,
    sort: ArticleSort,
    after: After<number | string | null> | undefined,
    limit: number,
    withBody: boolean,
    viewer: Visibility,
  ): Promise<ArticleListRow[]>;
  /** Up to `limit` articles with an id above `after`, by id, trashed ones included: a whole-table read a page at a time. */
  scan(after: number, filter: ArticleScan, limit: number): Promise<ArticleRow[]>;
}

export type RelatedLinkRow = {
  id: number;
  articleId: number;
  position: number;
  targetArticleId: number | null;
  url: string | null;
  title: string | null;
  createdAt: number;
  updatedAt: number;
};

/** A related link as an article's list holds it, without id and position: what an import compares and writes. */
export type LinkTarget = { targetArticleId: number; url: null; title: null } | { targetArticleId: null; url: string; title: string };
/** What a link shows of its target article, and what decides whether a viewer may see it. */
export type LinkedArticle = Pick<ArticleRow, 'title' | 'slug' | 'externalId' | 'status' | 'publishedAt' | 'deletedAt' | 'sectionId' | 'sourceId'>;

export interface RelatedLinkRepo {
  byId(articleId: number, linkId: number): Promise<RelatedLinkRow | undefined>;
  /** The links of these articles with their targets (null for external links and vanished targets), by article, position, id. */
  forArticles(articleIds: number[]): Promise<{ link: RelatedLinkRow; target: LinkedArticle | null }[]>;
  count(articleId: number): Promise<number>;
  /** The highest position among the article's links, -1 when it has none. */
  lastPosition(articleId: number): Promise<number>;
  /**
   * Inside a unit: holds the article's links until the unit ends, so that writers of one
   * article's links take turns and each counts and places its link after the others' (where
   * writes are serialised already, nothing to do).
   */
  hold(articleId: number): Promise<void>;
  insert(values: Omit<RelatedLinkRow, 'id'>): Promise<RelatedLinkRow>;
  /** Inserts these links, their ids taken in the order given; the rows in that order. */
  insertMany(values: Omit<RelatedLinkRow, 'id'>[]): Promise<RelatedLinkRow[]>;
  update(linkId: number, patch: Partial<Pick<RelatedLinkRow, 'position' | 'url' | 'title'>> & { updatedAt: number }): Promise<void>;
  delete(linkId: number): Promise<void>;
  /** One article's links, by position and id. */
  ofArticle(articleId: number): Promise<RelatedLinkRow[]>;
}

// ---- The change log, the webhooks outbox and the search index: what a content write causes ------

export type ChangeResource = 'article' | 'section' | 'source' | 'relatedLink';
export type ChangeOp = 'create' | 'update' | 'delete';

/** One change-feed event as written; see src/changes/recorder.ts for what the reader flags mean. */
export type ChangeEventInsert = {
  resource: ChangeResource;
  resourceId: number;
  op: ChangeOp;
  at: number;
  articleId: number | null;
  sectionId: number | null;
  sourceId: number | null;
  prevSectionId: number | null;
  prevSourceId: number | null;
  readerBefore: boolean;
  readerAfter: boolean;
  pending: boolean;
  visibleAt: number | null;
};

/** The latest event of an article: what readers were last told, and where it was filed. */
export type ArticleFeedState = { readerAfter: boolean; sectionId: number | null; sourceId: number | null; op: ChangeOp };

export interface ChangeLogRepo {
  lastOf(articleId: number): Promise<ArticleFeedState | undefined>;
  append(event: ChangeEventInsert): Promise<void>;
  /** Appends these events in the order given (their cursors in that order), as `append` of each would. */
  appendMany(events: ChangeEventInsert[]): Promise<void>;
  /** Marks the article's pending (scheduled) event as settled; whether there was one to settle. */
  settle(articleId: number): Promise<boolean>;
  /** Scheduled articles whose publication has come due by `now`, in the order of their publication. */
  due(now: number): Promise<{ id: number; visibleAt: number }[]>;
  /**
   * An update event for every article (other than the target) whose related links point at
   * `targetId`, repeating its latest filing and reader state: readers' view of its links changed.
   */
  fanOut(at: number, targetId: number): Promise<void>;
}

export type OutboxDelivery = { webhookId: number; eventId: string; eventType: string; payload: string; at: number };

export interface OutboxRepo {
  /** Active endpoints and the event types each subscribed to ('*' for all). */
  subscribers(): Promise<{ id: number; events: string[] }[]>;
  enqueue(deliveries: OutboxDelivery[]): Promise<void>;
}

/** An article's searchable fields, already segmented into space-separated tokens (src/search/segment.ts). */
export type SearchDocument = { title: string; subtitle: string; summary: string; body: string; tags: string };

/** The fields of an article that the search index holds (visibility is applied when searching, not there). */
export type SearchableRow = Pick<ArticleRow, 'id' | 'title' | 'subtitle' | 'summary' | 'bodyText' | 'tags'>;

export interface SearchIndexRepo {
  /** Puts (or replaces) the article's entry; it is visible to searches once the unit commits. */
  put(articleId: number, doc: SearchDocument): Promise<void>;
  remove(articleId: number): Promise<void>;
}

/** An import's articles waiting for forward references (src/transfer/): kept by the store, not in memory. */
export type PendingLinks = {
  articleId: number;
  line: number;
  status: 'created' | 'updated' | 'unchanged';
  externalId?: string | null;
  slug?: string | null;
  links: string;
};

export interface PendingLinksRepo {
  /** Starts a list for one import; its name is unique among the imports running at once. */
  create(): Promise<string>;
  add(list: string, entry: PendingLinks): Promise<void>;
  /** Up to `limit` entries after position `after`, in the order they were added. */
  page(list: string, after: number, limit: number): Promise<(PendingLinks & { position: number })[]>;
  /** Removes and returns an article's entries. */
  take(list: string, articleId: number): Promise<PendingLinks[]>;
  drop(list: string): Promise<void>;
}

// ---- Reads for a viewer: the change feed as one caller sees it, sitemaps --------------------------

/**
 * Who is asking, as far as the adapters filter for it (the rule of canSee, src/articles/visibility.ts):
 * editors see everything; readers published, due, not-deleted articles, partner keys only those
 * filed in their sections and sources.
 */
export type Visibility = { editor: boolean; now: number; sectionIds: number[] | null; sourceIds: number[] | null };

/**
 * A place in the change feed, made by the adapter; clients see it wrapped (src/changes/cursor.ts).
 * 0 is the start on every adapter. SQLite's is the cursor itself (commit order, with one writer);
 * PostgreSQL's is the writing transaction's id and the cursor, in that order, because a cursor
 * taken at insert is not commit order with concurrent writers (src/store/postgres/feed.ts).
 */
export type FeedPosition = number | { xid: number; cursor: number };

/**
 * One event of the change feed as a viewer sees it: for a reader, an article (or link) entering
 * its view is a create and one leaving it a delete. `position` orders the feed; it is opaque to
 * clients (src/changes/cursor.ts).
 */
export type FeedEvent = { position: FeedPosition; resource: ChangeResource; id: number; articleId: number | null; op: ChangeOp; at: number };

export interface ChangeFeedRepo {
  /** The position of the latest event readers may be served (0 when there is none). */
  head(): Promise<FeedPosition>;
  /**
   * Up to `limit` events after position `since` that the viewer may see, oldest first, and the
   * head as of the same read: events committed between the two are never skipped.
   */
  read(since: FeedPosition, limit: number, viewer: Visibility): Promise<{ events: FeedEvent[]; head: FeedPosition }>;
  /** Whether `position` is of this adapter's kind (0, or what it hands out): another adapter's is a client's mistake, a 400. */
  owns(position: FeedPosition): boolean;
  /**
   * Where to read on from `position` here: a position the database this one was copied from
   * handed out (`masthead copy` keeps each event's old position, positionKey) becomes the copied
   * event's position here; one of this adapter's own kind stays as it is; undefined for anything
   * else (another adapter's position that no copied event had), a 400.
   */
  resolve(position: FeedPosition): Promise<FeedPosition | undefined>;
  /** How far the feed is held back right now (for /readyz): never on SQLite, where commit order is the feed's order. */
  lag(): Promise<FeedLag>;
}

/**
 * Events committed but not served yet, because a transaction that began before them is still
 * running (PostgreSQL: in any database of the server; at most 10,001 counted), and the age of the
 * oldest transaction that is writing, which bounds how long they wait.
 */
export type FeedLag = { heldBack: number; oldestWriteMs: number | null };

/** A position as text, the same whatever the adapter: what a copied event keeps of its old position (its `origin`). */
export const positionKey = (position: FeedPosition): string => (typeof position === 'number' ? String(position) : `${position.xid}/${position.cursor}`);

/** An article as a sitemap lists it: visible to readers, so publishedAt is set. */
export type SitemapArticle = { id: number; slug: string; sectionSlug: string; title: string; publishedAt: number; lastmod: number };

export interface SitemapRepo {
  /** Pages of `pageSize` visible articles in id order (numbered from 1), each with its latest change or coming-due. */
  pages(viewer: Visibility, pageSize: number): Promise<{ page: number; lastmod: number }[]>;
  page(viewer: Visibility, page: number, pageSize: number): Promise<SitemapArticle[]>;
  /** Visible articles published since `since`, newest first. */
  publishedSince(viewer: Visibility, since: number, limit: number): Promise<SitemapArticle[]>;
}

// ---- Full-text search -----------------------------------------------------------------------------

/** What a search selects besides the viewer's visibility (editors: everything outside the trash). Times are epoch ms. */
export type SearchFilter = {
  sectionIds?: number[];
  sourceId?: number;
  /** Articles with any of these tags. */
  tags?: string[];
  /** publishedAt >= publishedAfter, < publishedBefore. */
  publishedAfter?: number;
  publishedBefore?: number;
};

/**
 * One ranked match: the index's score (lower is better; the API shows its negation), publishedAt
 * and id. Results come rank ascending, then newer first with undated last, then higher id first:
 * the order of pages, and a search cursor's position.
 */
export type SearchRank = { id: number; rank: number; pub: number | null };

/** What a hit shows besides its rank: the text a snippet is cut from, and where it is filed. */
export type SearchHitRow = {
  id: number;
  title: string;
  slug: string;
  subtitle: string | null;
  summary: string | null;
  bodyText: string;
  section: { id: number; slug: string; name: string };
  source: { id: number; slug: string; name: string } | null;
};

export interface SearchRepo {
  /**
   * Up to `want` matches of `query` that the viewer may see and the filter selects, best first
   * (SearchRank's order), after the match `after`. Scores, and so pages, are stable while the
   * index does not change. A query the index refuses is the 400 of src/search/query.ts
   * (`validation-failed`, pointer /q), never a 500. May be refused with the 503 `search-busy`
   * (Retry-After) when too many searches are running (an adapter that bounds them).
   */
  rank(query: SearchQuery, filter: SearchFilter, viewer: Visibility, after: SearchRank | undefined, want: number): Promise<SearchRank[]>;
  /** The hit rows of these articles (those that still exist), in no particular order: one read for a page. */
  details(ids: number[]): Promise<SearchHitRow[]>;
}

// ---- API keys ------------------------------------------------------------------------------------

export const API_KEY_SCOPES = ['read', 'write', 'admin'] as const;
export type KeyScope = (typeof API_KEY_SCOPES)[number];

/** An API key: only a SHA-256 hash of its secret is stored (the secret is shown once). */
export type KeyRow = {
  id: number;
  name: string;
  scope: KeyScope;
  prefix: string;
  secretHash: string;
  /** Read keys only: the section / source slugs the key may read; null means all. */
  sections: string[] | null;
  sources: string[] | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
};

export interface KeyRepo {
  byId(id: number): Promise<KeyRow | undefined>;
  /** Every authenticated request that misses the in-process cache asks this: one indexed read. */
  bySecretHash(hash: string): Promise<KeyRow | undefined>;
  /** By id, after `after`, at most `limit` rows. */
  page(after: After<number> | undefined, limit: number): Promise<KeyRow[]>;
  /** How many keys exist, revoked ones included. */
  count(): Promise<number>;
  /**
   * Inside a unit: makes it the only unit creating keys until it ends (readers go on), so that
   * nodes starting at once on a new database check-then-create the first admin key, or the key of
   * MASTHEAD_ADMIN_KEY, one after the other: one creates it, the others find it.
   */
  hold(): Promise<void>;
  insert(values: Omit<KeyRow, 'id' | 'lastUsedAt' | 'revokedAt'>): Promise<KeyRow>;
  update(id: number, patch: Partial<Pick<KeyRow, 'scope' | 'sections' | 'sources'>>): Promise<KeyRow | undefined>;
  /** Revokes the key unless it is revoked already (the first revokedAt stays); the key as it is then, undefined when there is none. */
  revoke(id: number, at: number): Promise<KeyRow | undefined>;
  /**
   * Moves each key's lastUsedAt (key id → epoch ms) forward, never back. Bookkeeping, batched by
   * the caller and written in a unit run with `{ wait: false }`: it never waits for a lock and
   * never fails a request.
   */
  recordUses(uses: ReadonlyMap<number, number>): Promise<void>;
}

// ---- Webhooks: endpoints, their delivery log, and the delivery worker's queue -------------------

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** An endpoint a partner registered; `secret` signs its deliveries (Standard Webhooks). */
export type WebhookRow = {
  id: number;
  url: string;
  /** Event types, or '*' for all. */
  events: string[];
  secret: string;
  /** Inactive endpoints get no new events; their pending deliveries wait. */
  active: boolean;
  /** Consecutive deliveries that failed for good; reset by a success. */
  failureCount: number;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
};

export interface WebhookRepo {
  byId(id: number): Promise<WebhookRow | undefined>;
  /** By id, after `after`, at most `limit` rows. */
  page(after: After<number> | undefined, limit: number): Promise<WebhookRow[]>;
  /** A new endpoint: active, no failures, updatedAt = createdAt. */
  insert(values: Pick<WebhookRow, 'url' | 'events' | 'secret' | 'createdAt'>): Promise<WebhookRow>;
  update(id: number, patch: Partial<Pick<WebhookRow, 'url' | 'events' | 'active' | 'failureCount' | 'disabledReason'>> & { updatedAt: number }): Promise<WebhookRow | undefined>;
  /** Deletes the endpoint with its delivery log and undelivered events; false when there was none. */
  delete(id: number): Promise<boolean>;
}

/** One delivery of one event to one endpoint: the outbox row and, once attempted, its log entry. */
export type DeliveryRow = {
  id: number;
  webhookId: number;
  /** The `webhook-id` header: the same on every retry and redelivery of one event. */
  eventId: string;
  eventType: string;
  /** The exact body sent (and signed) on every attempt. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  lastAttemptAt: number | null;
  deliveredAt: number | null;
};

export type DeliveryFilter = { status?: DeliveryStatus };

export interface DeliveryRepo {
  byId(webhookId: number, deliveryId: number): Promise<DeliveryRow | undefined>;
  /** An endpoint's log newest first (id descending), after (below) `after`, at most `limit` rows. */
  page(webhookId: number, filter: DeliveryFilter, after: After<number> | undefined, limit: number): Promise<DeliveryRow[]>;
  /** Queues the delivery's event again (same eventId, type and payload) as a new delivery due at `at`; undefined when the endpoint has no such delivery. */
  redeliver(webhookId: number, deliveryId: number, at: number): Promise<DeliveryRow | undefined>;
}

/** A delivery as the worker sends it. */
export type DeliveryJob = Pick<DeliveryRow, 'id' | 'eventId' | 'payload' | 'attempts' | 'nextAttemptAt'>;
/** An endpoint leased to one worker, with its pending deliveries in event order. */
export type LeasedEndpoint = { webhookId: number; url: string; secret: string; jobs: DeliveryJob[] };
/** What one attempt got: the HTTP status (null when there was no answer) and the error, at `at`. */
export type Attempt = { status: number | null; error: string | null; at: number };

/**
 * The delivery worker's queue (src/webhooks/worker.ts). Several workers may serve one database
 * (API nodes on PostgreSQL); a worker claims an endpoint, not a delivery, and sends that
 * endpoint's events one at a time in event order. An adapter must guarantee:
 *
 * - **one holder at a time**: `lease` gives an endpoint to one owner only, until its lease runs
 *   out or the owner releases it; two workers leasing at once get disjoint endpoints (PostgreSQL:
 *   `FOR UPDATE SKIP LOCKED` on the endpoint rows, then the lease columns, in one transaction);
 * - **in order per endpoint**: an endpoint is due when its oldest pending delivery (lowest id) is
 *   due, and its jobs come in id order; a later event never overtakes an earlier one, which holds
 *   back the rest while it waits for its retry;
 * - **a dead worker's lease expires**: `until` is stored with the lease and an endpoint whose
 *   lease ran out is free to lease again, so a process that died mid-batch delays its endpoints
 *   by at most the lease; the worker renews it with every attempt it records.
 *
 * Every statement runs inside a unit of work (the worker uses `{ wait: false }` and tries again
 * later when another writer holds the lock).
 */
export interface DeliveryQueueRepo {
  /**
   * Leases up to `endpoints` active endpoints that are due by `now` and free (never leased, lease
   * run out or released) to `owner` until `until`, the most overdue first; each with up to
   * `batch` of its pending deliveries, in event order.
   */
  lease(owner: string, now: number, until: number, limits: { endpoints: number; batch: number }): Promise<LeasedEndpoint[]>;
  /** Extends the owner's lease; false when the owner holds it no longer (it ran out and another took it). */
  renew(webhookId: number, owner: string, until: number): Promise<boolean>;
  release(webhookId: number, owner: string): Promise<void>;
  /**
   * A worker starting: releases the leases this store can tell belong to a stopped process, so that
   * their events go out at once instead of when the leases run out; how many. SQLite serves one
   * server process per file, so every lease not taken through this store is a stopped process's;
   * with several nodes (PostgreSQL) none can be told, and this releases nothing.
   */
  recover(): Promise<number>;
  /** The delivery succeeded: no further attempt; the endpoint's run of failures ends. */
  succeeded(deliveryId: number, attempt: Attempt): Promise<void>;
  /** The attempt failed: tried again at `nextAt`. */
  retry(deliveryId: number, attempt: Attempt, nextAt: number): Promise<void>;
  /** The delivery failed for good; the endpoint's failures in a row, this one included. */
  failed(deliveryId: number, attempt: Attempt): Promise<number>;
  /** Turns the endpoint off (its pending deliveries wait until it is turned back on). */
  disable(webhookId: number, reason: string, at: number): Promise<void>;
}

// ---- The integrity check (`masthead check`) --------------------------------------------------

/**
 * One thing the check found: `damage` (the database is not what Masthead wrote: exit code 1),
 * a `warning` (something to act on that is not damage: a part of the check that could not run,
 * migrations pending) or a `note` (what was checked, and how).
 */
export type CheckFinding = { level: 'damage' | 'warning' | 'note'; message: string };

/** What the check went through (`20,000 articles, 14 tables, 38 indexes`), and what it found, in the order found. */
export type CheckReport = { subject: string; findings: CheckFinding[] };

/** What the check needs from the app: the search document it would write for an article (src/search/index.ts). */
export type CheckOptions = { documentOf: (row: SearchableRow) => SearchDocument };

// ---- The quick check at start-up (DATABASE_STARTUP_CHECK) --------------------------------------

/**
 * How the quick check at start-up stands, for /readyz: `off` (not run: turned off, or an in-memory
 * database), `checking`, `ok`, or `incomplete` (it could not finish; `reason` says why). Damage
 * is no state here: a store that found it fails `ping` with the 503 `database-damaged`.
 */
export type IntegrityStatus = {
  state: 'off' | 'checking' | 'ok' | 'incomplete';
  /** Objects checked so far (SQLite: tables; PostgreSQL: tables and indexes). */
  checked: number;
  /** How many there are to check, once known. */
  total: number | null;
  /** How long the finished check took (ms); null until it ends. */
  tookMs: number | null;
  /** Why it is off or incomplete; null otherwise. */
  reason: string | null;
};

/** What a finished (or abandoned) quick check came to, for the one line the server logs. */
export type IntegrityOutcome = { state: 'off' | 'ok' | 'incomplete' | 'damaged'; message: string };

/**
 * The quick check of a store (src/store/integrity.ts): cheap enough to run at every start, beside
 * the requests it must not slow down. The full check is `masthead check`.
 */
export interface IntegrityWatch {
  /** Starts the check unless it has started; resolves when it ends (never rejects). */
  start(): Promise<IntegrityOutcome>;
  /** How it stands; throws the 503 `database-damaged` once it found damage (it stays until the database is repaired and the server restarted). */
  sound(): IntegrityStatus;
  /** Abandons a check in progress (the store closes). */
  stop(): Promise<void>;
}

// ---- A whole database, table by table: masthead copy (src/transfer/copy.ts) ---------------------

/**
 * The tables that hold a newsroom's state, parents before children (the order a copy writes
 * them in). Left out on purpose: the search index (each adapter's own format, rebuilt from the
 * articles), the content generation (moved by the copy's unit) and an import's pending links
 * (an import's bookkeeping while it runs; SQLite's live in TEMP tables no other connection sees).
 */
export const COPIED_TABLES = [
  'sections',
  'sources',
  'articles',
  'article_tags',
  'article_slug_history',
  'article_revisions',
  'related_links',
  'api_keys',
  'webhooks',
  'webhook_deliveries',
  'change_events',
] as const;
export type CopiedTable = (typeof COPIED_TABLES)[number];

/** A JSON column's value: a tag list, a revision's snapshot. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A row in the same form on every adapter: the schema's field names (camelCase), times and ids as
 * numbers (epoch ms), flags as booleans, JSON columns parsed. A change event's row also carries its
 * `position` in the feed (read only; PostgreSQL's transaction id lives there, not in the row).
 */
export type TableRow = Record<string, JsonValue>;

/** One page of a table in its order (primary key; the change feed's order for change_events); `after` continues it, null at the end. */
export type TablePage = { rows: TableRow[]; after: unknown };

export interface TableReader {
  count(table: CopiedTable): Promise<number>;
  /** Up to `limit` rows after `after` (undefined: from the start; else what the previous page gave). */
  page(table: CopiedTable, after: unknown, limit: number): Promise<TablePage>;
}

export interface TableWriter extends TableReader {
  /**
   * Inside the copy's unit, first: takes the copied tables for the unit (no other writer until it
   * ends) and lifts the time limits a long unit would meet; the first table that holds a row, null
   * when the database holds no state yet.
   */
  claim(): Promise<CopiedTable | null>;
  /** Writes the rows as they are, ids included; change events get new positions here, their `cursor` and `origin` as given. */
  insert(table: CopiedTable, rows: TableRow[]): Promise<void>;
  /**
   * After the inserts: rows made later get ids past the copied ones (PostgreSQL's identities;
   * SQLite's AUTOINCREMENT follows by itself), and indexes put off while the tables filled are built
   * (PostgreSQL: the search index's GIN and RUM, once instead of one entry at a time).
   */
  finish(): Promise<void>;
}

export interface Repositories {
  readonly sections: SectionRepo;
  readonly sources: SourceRepo;
  readonly articles: ArticleRepo;
  readonly links: RelatedLinkRepo;
  readonly feed: ChangeFeedRepo;
  readonly sitemaps: SitemapRepo;
  readonly keys: KeyRepo;
  readonly webhooks: WebhookRepo;
  readonly deliveries: DeliveryRepo;
}

/** What only a unit of work writes: the effects of a content write, and an import's bookkeeping. */
export interface WriteRepositories {
  readonly changeLog: ChangeLogRepo;
  readonly outbox: OutboxRepo;
  readonly searchIndex: SearchIndexRepo;
  readonly pendingLinks: PendingLinksRepo;
  readonly deliveryQueue: DeliveryQueueRepo;
  /** Whole tables, for masthead copy's destination. */
  readonly tables: TableWriter;
}

/**
 * A unit of work in progress. Reads through `tx` see its own writes. `savepoint` runs a part
 * that may fail on its own (an import line) without undoing the rest; `afterCommit` runs once
 * the whole unit has committed (cache generations move then, never before the data is visible).
 */
export interface Tx extends Repositories, WriteRepositories {
  savepoint<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  afterCommit(hook: () => void): void;
  /** Marks the unit as changing what content answers show (lists, search, embeds): the content generation moves once it commits. */
  contentChanged(): void;
}

export type WriteOptions = {
  /**
   * false: fail at once with the 503 `database-busy` when another writer holds the lock, instead
   * of waiting for it. For bookkeeping that can simply try again later (lastUsedAt, the webhook
   * worker), which must never keep the event loop or a request waiting on a lock.
   */
  wait?: boolean;
};

/** What anonymous readers' lists, search, feeds and sitemaps read: repositories, search and a content generation. */
export type ReadStore = Pick<Store, 'sections' | 'sources' | 'articles' | 'links' | 'sitemaps' | 'search' | 'contentGeneration'>;

/** How a read replica stands, for /readyz and the log. */
export type ReplicaStatus = {
  /** Whether readers are sent to it now. */
  serving: boolean;
  /** At most how far behind the primary it is (ms), as last measured; null while it has never been measured current. */
  lagMs: number | null;
  /** Why it does not serve: unreachable, not a standby, or too far behind; null while it serves. */
  reason: string | null;
};

/**
 * A streaming replica of the PostgreSQL database (DATABASE_REPLICA_URL). Its `reads` answer from
 * the replica alone, their content generation included, so that the exact caches built on them
 * are exact for what the replica holds; `serving` says whether to send a reader there now (it
 * answers, it is a standby of this primary, and it is no further behind than allowed).
 */
export interface Replica {
  readonly reads: ReadStore;
  serving(): boolean;
  status(): ReplicaStatus;
  /** Called whenever `serving` turns, with the new status (the server logs it). */
  onChange(listener: (status: ReplicaStatus) => void): void;
}

export interface Store extends Repositories {
  readonly dialect: Dialect;
  /**
   * Runs `work` as one unit of work and commits it; rolls it back when `work` throws, and
   * rethrows. Writers take turns; one that cannot get its turn in time fails with the 503
   * `database-busy` (Retry-After), a full disk with the 507 `storage-full`.
   */
  write<T>(work: (tx: Tx) => Promise<T>, options?: WriteOptions): Promise<T>;
  /**
   * A number that moves whenever committed content may have changed — by a unit that called
   * `contentChanged`, or by another process on the same database (an import from the command
   * line) — and never before the change is visible to reads: what the exact caches
   * (src/common/exact-cache.ts) key their answers on. Cheap: read on every cached answer.
   */
  contentGeneration(): Promise<number>;
  /** Whether a scheduled article has come due by `now` and its publication is not in the feed yet (read outside a unit). */
  anyDue(now: number): Promise<boolean>;
  /**
   * Full-text search over committed content (outside any unit: the index entries of a unit are
   * written as it commits, so a unit could not read its own).
   */
  readonly search: SearchRepo;
  /**
   * Empties the search index and fills it again from every article (trashed ones included), the
   * document of each made by `documentOf` (src/search/index.ts), as one write: `masthead reindex`.
   * Moves the content generation. How many articles were indexed.
   */
  rebuildSearchIndex(documentOf: (row: SearchableRow) => SearchDocument): Promise<{ articles: number }>;
  /** A read replica for anonymous readers, when one is configured (PostgreSQL only); null otherwise. */
  readonly replica: Replica | null;
  /**
   * Runs `work` on one consistent snapshot of the committed database (SQLite: a read transaction;
   * PostgreSQL: REPEATABLE READ READ ONLY): what masthead copy reads its source through, while
   * writers go on.
   */
  snapshot<T>(work: (tables: TableReader) => Promise<T>): Promise<T>;
  /**
   * Throws when the database cannot answer, or cannot be written (readiness): the 503
   * `database-read-only` for a file or server that takes no writes (PostgreSQL: a standby in
   * recovery, or `default_transaction_read_only`), `database-damaged` for a file a write found
   * damaged, or a database the start-up check (`integrity`) found damaged.
   */
  ping(): Promise<void>;
  /** The quick check the server starts once it is ready (DATABASE_STARTUP_CHECK); damage it finds fails `ping`. */
  readonly integrity: IntegrityWatch;
  /**
   * Starts the store's background upkeep, for a process that serves (src/server.ts), until close():
   * on PostgreSQL with RUM, folding the search entries written since into the RUM index
   * (src/store/postgres/fold.ts); SQLite has none. `failed` hears what goes wrong; upkeep goes on
   * after a pause.
   */
  startUpkeep(failed: (error: Error) => void): void;
  close(): Promise<void>;
  /**
   * How a worker thread of this process reaches the same database, for the import that runs on a
   * thread of its own (src/transfer/import-thread.ts opens it with openThreadStore); null where
   * there is none: an in-memory SQLite database cannot be shared with a thread, and on PostgreSQL
   * the import runs on the request loop (its transactions wait on the server, not on the loop).
   */
  readonly thread: ThreadTarget | null;
}

/** Runs `work` inside the caller's unit of work when there is one (an import's batch), else in its own. */
export const inUnit = <T>(store: Store, tx: Tx | undefined, work: (tx: Tx) => Promise<T>): Promise<T> => (tx ? work(tx) : store.write(work));
