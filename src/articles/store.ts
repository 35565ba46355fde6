import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import { slugify, uniqueSlug } from '../common/slug.js';
import type { Clock } from '../common/time.js';
import { translating } from '../store/sqlite/constraints.js';
import type { Db } from '../store/sqlite/connection.js';
import { articleRevisions, articleSlugHistory, articles, articleTags, sections, sources } from '../store/sqlite/schema.js';
import { checkVersion } from '../common/versioned.js';
import { AppError, notFound } from '../common/errors.js';
import { htmlToText, prepareBody, type PreparedBody } from './html.js';
import { ARTICLE_SQL_COLUMNS, fromSqlRow, snapshotOf, SNAPSHOT_FIELDS, type ArticleRow, type ArticleSnapshot } from './rows.js';
import type { ArticleCreateInput, ArticleUpdateInput } from './schemas.js';
import { canSee, type Viewer } from './visibility.js';

/** The few columns of an article that revalidation reads; they come before the body on disk. */
export type ArticleHead = Pick<ArticleRow, 'id' | 'status' | 'publishedAt' | 'deletedAt' | 'sectionId' | 'sourceId' | 'version' | 'updatedAt'>;

export type ArticleWriteOp = 'create' | 'update' | 'delete' | 'restore' | 'purge';
/** Called inside the write's transaction (search index, change feed …); must be synchronous. */
export type ArticleListener = (op: ArticleWriteOp, row: ArticleRow, previous: ArticleRow | null) => void;

const unknownRef = (pointer: string, what: string) =>
  new AppError('unknown-reference', `${what} does not exist`, { errors: [{ in: 'body', pointer, message: `No ${what.toLowerCase()} has this id` }] });

const cleanTags = (tags: string[]) => [...new Set(tags.map((t) => t.trim().normalize('NFC')))];

/**
 * Imports also carry the trash state (deletedAt); the API's create and update bodies never do.
 * An import may also hand over its body already prepared (see toColumns).
 */
export type ArticleCreateWrite = ArticleCreateInput & { deletedAt?: string | null; prepared?: PreparedBody };

/** The columns a create writes, as [row key, column]; the others (id, version) take their defaults. */
const INSERT_COLUMNS = Object.entries(getTableColumns(articles))
  .filter(([key]) => key !== 'id' && key !== 'version')
  .map(([key, column]) => [key, column.name] as const);
type InsertValues = Omit<ArticleRow, 'id' | 'version' | 'tags'> & { tags: string };
/** What a create leaves out is stored as the table's defaults would have it. */
const INSERT_DEFAULTS: Omit<InsertValues, 'title' | 'slug' | 'sectionId' | 'createdAt' | 'updatedAt'> = {
  status: 'draft', publishedAt: null, deletedAt: null, sourceId: null, createdBy: null, updatedBy: null, externalId: null, subtitle: null,
  summary: null, byline: null, tags: '[]', sourceUrl: null, coverImageUrl: null, bodyText: '', body: '',
};
export type ArticleUpdateWrite = ArticleUpdateInput & { deletedAt?: string | null; prepared?: PreparedBody };

export function createArticleStore(db: Db, clock: Clock, listeners: ArticleListener[] = []) {
  // The hot read path (every article page) skips the ORM's row mapping: see rows.ts fromSqlRow.
  const byIdStmt = db.$client.prepare(`SELECT ${ARTICLE_SQL_COLUMNS} FROM articles WHERE id = ?`);
  const bySlugStmt = db.$client.prepare(`SELECT ${ARTICLE_SQL_COLUMNS} FROM articles WHERE slug = ?`);
  const byId = { get: ({ id }: { id: number }) => fromSqlRow(byIdStmt.get(id)) };
  // Revalidation needs the version and what decides visibility, not the body: see head().
  const headStmt = db.$client.prepare(
    'SELECT id, status, published_at AS publishedAt, deleted_at AS deletedAt, section_id AS sectionId, source_id AS sourceId, version, updated_at AS updatedAt FROM articles WHERE id = ?',
  );
  const bySlug = { get: ({ slug }: { slug: string }) => fromSqlRow(bySlugStmt.get(slug)) };
  const oldSlug = db.select().from(articleSlugHistory).where(eq(articleSlugHistory.slug, sql.placeholder('slug'))).prepare();
  const sectionExists = db.select({ id: sections.id }).from(sections).where(eq(sections.id, sql.placeholder('id'))).prepare();
  const sourceExists = db.select({ id: sources.id }).from(sources).where(eq(sources.id, sql.placeholder('id'))).prepare();
  const insertTag = db.$client.prepare('INSERT OR IGNORE INTO article_tags (article_id, tag) VALUES (?, ?)');
  // Hand-written, prepared once: drizzle built and prepared this insert anew for every article an import wrote.
  const insertRow = db.$client.prepare(
    `INSERT INTO articles (${INSERT_COLUMNS.map(([, column]) => column).join(', ')}) VALUES (${INSERT_COLUMNS.map(([key]) => `@${key}`).join(', ')}) RETURNING ${ARTICLE_SQL_COLUMNS}`,
  );
  // Prepared once: building a query per call costs more than running it (imports write thousands).
  const deleteTags = db.delete(articleTags).where(eq(articleTags.articleId, sql.placeholder('id'))).prepare();
  const releaseSlug = db.delete(articleSlugHistory).where(eq(articleSlugHistory.slug, sql.placeholder('slug'))).prepare();
  const bump = db
    .update(articles)
    .set({ version: sql`${articles.version} + 1`, updatedAt: sql`${sql.placeholder('now')}` })
    .where(eq(articles.id, sql.placeholder('id')))
    .returning()
    .prepare();

  const emit = (op: ArticleWriteOp, row: ArticleRow, previous: ArticleRow | null) => {
    for (const listener of listeners) listener(op, row, previous);
  };

  function mustGet(id: number): ArticleRow {
    const row = byId.get({ id });
    if (!row) throw notFound(`Article ${id}`);
    return row;
  }

  function checkRefs(sectionId: number | undefined, sourceId: number | null | undefined) {
    if (sectionId !== undefined && !sectionExists.get({ id: sectionId })) throw unknownRef('/sectionId', 'Section');
    if (sourceId !== undefined && sourceId !== null && !sourceExists.get({ id: sourceId })) throw unknownRef('/sourceId', 'Source');
  }

  const slugTaken = (s: string) => bySlug.get({ slug: s }) !== undefined || oldSlug.get({ slug: s }) !== undefined;

  function writeTags(id: number, tags: string[]) {
    deleteTags.run({ id });
    for (const tag of tags) insertTag.run(id, tag);
  }

  /** Input fields as columns: body sanitised, bodyText derived, times parsed. */
  function toColumns(input: ArticleUpdateWrite): Partial<ArticleRow> {
    const out: Partial<ArticleRow> = {};
    for (const [k, v] of Object.entries(input)) if (v !== undefined && k !== 'prepared') (out as Record<string, unknown>)[k] = v;
    if (input.body !== undefined) {
      // A preparation made elsewhere (an import's worker thread) counts only for this very body.
      const prepared = input.prepared?.input === input.body ? input.prepared : prepareBody(input.body);
      out.body = prepared.body;
      out.bodyText = prepared.bodyText;
    }
    if (input.tags !== undefined) out.tags = cleanTags(input.tags);
    if (input.publishedAt !== undefined) out.publishedAt = input.publishedAt === null ? null : Date.parse(input.publishedAt);
    if (input.deletedAt !== undefined) out.deletedAt = input.deletedAt === null ? null : Date.parse(input.deletedAt);
    return out;
  }

  function changedFields(current: ArticleRow, next: Partial<ArticleRow>): Partial<ArticleRow> {
    const changed: Partial<ArticleRow> = {};
    for (const [k, v] of Object.entries(next) as [keyof ArticleRow, unknown][]) {
      if (JSON.stringify(current[k]) !== JSON.stringify(v)) (changed as Record<string, unknown>)[k] = v;
    }
    return changed;
  }

  /** Applies a change: keeps the previous state as a revision, the old slug as a redirect, bumps the version. */
  function applyUpdate(current: ArticleRow, next: Partial<ArticleRow>, keyId: number | null): ArticleRow {
    const changes = changedFields(current, next);
    // A published article always has a date: publishing without one, or clearing it, means now.
    const publishedAt = changes.publishedAt !== undefined ? changes.publishedAt : current.publishedAt;
    if ((changes.status ?? current.status) === 'published' && publishedAt === null) changes.publishedAt = clock();
    if (Object.keys(changes).length === 0) return current;
    checkRefs(changes.sectionId, changes.sourceId);
    db.insert(articleRevisions)
      .values({ articleId: current.id, revision: current.version, snapshot: snapshotOf(current), createdAt: current.updatedAt, createdBy: current.updatedBy })
      .run();
    if (changes.slug !== undefined) {
      db.delete(articleSlugHistory).where(eq(articleSlugHistory.slug, changes.slug)).run();
      db.insert(articleSlugHistory).values({ slug: current.slug, articleId: current.id, createdAt: clock() }).onConflictDoNothing().run();
    }
    const row = translating(() =>
      db
        .update(articles)
        .set({ ...changes, version: current.version + 1, updatedAt: clock(), updatedBy: keyId })
        .where(eq(articles.id, current.id))
        .returning()
        .get(),
    )!;
    if (changes.tags !== undefined) writeTags(row.id, row.tags);
    emit('update', row, current);
    return row;
  }

  /**
   * A transaction of its own, or none inside the caller's: a savepoint per article would make the
   * full-text index flush a segment per row (imports of thousands of rows ran 10× slower). A
   * caller that holds the transaction answers for rolling back a half-done write.
   */
  const atomic = <T>(fn: () => T): T => (db.$client.inTransaction ? fn() : db.transaction(fn));

  function createSync(input: ArticleCreateWrite, keyId: number | null): ArticleRow {
    const now = clock();
    const cols = toColumns(input);
    return atomic(() => {
      checkRefs(input.sectionId, input.sourceId);
      if (input.slug !== undefined) releaseSlug.run({ slug: input.slug });
      const status = input.status ?? 'draft';
      const values: InsertValues = {
        ...INSERT_DEFAULTS,
        ...cols,
        tags: JSON.stringify(cols.tags ?? []),
        title: input.title,
        sectionId: input.sectionId,
        slug: input.slug ?? uniqueSlug(slugify(input.title), slugTaken, 'article'),
        status,
        publishedAt: cols.publishedAt ?? (status === 'published' ? now : null),
        createdAt: now,
        updatedAt: now,
        createdBy: keyId,
        updatedBy: keyId,
      };
      const row = translating(() => fromSqlRow(insertRow.get(values))!);
      writeTags(row.id, row.tags);
      emit('create', row, null);
      return row;
    });
  }

  function updateSync(id: number, input: ArticleUpdateWrite, expected: number | undefined, keyId: number | null): ArticleRow {
    const cols = toColumns(input);
    return atomic(() => {
      const current = mustGet(id);
      checkVersion(expected, current.version);
      return applyUpdate(current, cols, keyId);
    });
  }

  return {
    /** A change to what belongs to the article (its related links): new version, same transaction as the change. */
    touch(id: number): void {
      const current = byId.get({ id });
      if (!current) return;
      const row = bump.get({ id, now: clock() })!;
      emit('update', row, current);
    },

    /** The article if this viewer may see it; a 404 otherwise (never a 403, which would confirm it exists). */
    async get(id: number, viewer: Viewer): Promise<ArticleRow> {
      const row = byId.get({ id });
      if (!row || !canSee(viewer, row)) throw notFound(`Article ${id}`);
      return row;
    },

    /** By slug; an old slug answers with the article's current slug to redirect to. */
    /** What a conditional GET needs (version, updatedAt), under the same visibility rule as get(). */
    head(id: number, viewer: Viewer): ArticleHead {
      const head = headStmt.get(id) as ArticleHead | undefined;
      if (!head || !canSee(viewer, head)) throw notFound(`Article ${id}`);
      return head;
    },
    async getBySlug(slug: string, viewer: Viewer): Promise<{ row: ArticleRow } | { movedTo: string }> {
      const row = bySlug.get({ slug });
      if (row && canSee(viewer, row)) return { row };
      const old = row ? undefined : oldSlug.get({ slug });
      const target = old && byId.get({ id: old.articleId });
      if (target && canSee(viewer, target)) return { movedTo: target.slug };
      throw notFound(`Article "${slug}"`);
    },

    async create(input: ArticleCreateInput, keyId: number | null): Promise<ArticleRow> {
      return createSync(input, keyId);
    },

    async update(id: number, input: ArticleUpdateInput, expected: number | undefined, keyId: number | null): Promise<ArticleRow> {
      return updateSync(id, input, expected, keyId);
    },

    /** create, synchronously: for callers that run it inside their own transaction (imports). */
    createSync,
    /** update, synchronously; returns the same row object when nothing changed (no version, no revision). */
    updateSync,

    /** Moves the article to the trash; its slug stays reserved. */
    async trash(id: number, expected: number | undefined, keyId: number | null): Promise<void> {
      db.transaction(() => {
        const current = mustGet(id);
        checkVersion(expected, current.version);
        if (current.deletedAt !== null) return;
        const row = db
          .update(articles)
          .set({ deletedAt: clock(), version: current.version + 1, updatedAt: clock(), updatedBy: keyId })
          .where(eq(articles.id, id))
          .returning()
          .get()!;
        emit('delete', row, current);
      });
    },

    async restore(id: number, keyId: number | null): Promise<ArticleRow> {
      return db.transaction(() => {
        const current = mustGet(id);
        if (current.deletedAt === null) return current;
        const row = db
          .update(articles)
          .set({ deletedAt: null, version: current.version + 1, updatedAt: clock(), updatedBy: keyId })
          .where(eq(articles.id, id))
          .returning()
          .get()!;
        emit('restore', row, current);
        return row;
      });
    },

    /** Deletes for good: its own links, revisions, tags and old slugs go with it, and links pointing to it. */
    async purge(id: number, expected: number | undefined): Promise<void> {
      db.transaction(() => {
        const current = mustGet(id);
        checkVersion(expected, current.version);
        db.delete(articles).where(eq(articles.id, id)).run();
        emit('purge', current, current);
      });
    },

    /** Restores the state an article had at `revision`, as a new change (new version, new revision). */
    async restoreRevision(id: number, revision: number, keyId: number | null): Promise<ArticleRow> {
      return db.transaction(() => {
        const current = mustGet(id);
        if (revision === current.version) return current;
        const rev = db
          .select()
          .from(articleRevisions)
          .where(and(eq(articleRevisions.articleId, id), eq(articleRevisions.revision, revision)))
          .get();
        if (!rev) throw notFound(`Revision ${revision} of article ${id}`);
        const snapshot = rev.snapshot as ArticleSnapshot;
        const next = Object.fromEntries(SNAPSHOT_FIELDS.map((f) => [f, snapshot[f]])) as Partial<ArticleRow>;
        next.bodyText = htmlToText(snapshot.body);
        return applyUpdate(current, next, keyId);
      });
    },
  };
}

export type ArticleStore = ReturnType<typeof createArticleStore>;
