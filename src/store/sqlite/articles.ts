import type Database from 'better-sqlite3';
import { getTableColumns } from 'drizzle-orm';
import type { ArticleHead, ArticleInsert, ArticleKeys, ArticleScan, ArticleRepo, ArticleRow, LinkedArticle, RelatedLinkRepo, RelatedLinkRow, RevisionRow } from '../port.js';
import type { Db } from './connection.js';
import { translating } from './constraints.js';
import { createArticleLists } from './lists.js';
import { articles } from './schema.js';

/** The articles columns under their row names, for the hand-written hot-path statements. */
export const ARTICLE_SQL_COLUMNS = Object.entries(getTableColumns(articles))
  .map(([key, column]) => (column.name === key ? key : `${column.name} AS ${key}`))
  .join(', ');

/** A row read with ARTICLE_SQL_COLUMNS; only tags (JSON text) needs decoding. */
export function fromSqlRow(raw: unknown): ArticleRow | undefined {
  if (!raw) return undefined;
  const row = raw as ArticleRow & { tags: string | string[] };
  row.tags = JSON.parse(row.tags as string) as string[];
  return row;
}

/** Row key → column name, for every column but the id and the version (which take their defaults on insert). */
const WRITABLE = Object.entries(getTableColumns(articles))
  .filter(([key]) => key !== 'id' && key !== 'version')
  .map(([key, column]) => [key, column.name] as const);
const COLUMN_OF = new Map<string, string>(WRITABLE);

/** Values as SQLite binds them: tags as JSON text. */
const bindable = (values: Record<string, unknown>) => ('tags' in values ? { ...values, tags: JSON.stringify(values.tags) } : values);

/**
 * Articles as the storage port sees them. Every statement is written by hand and prepared
 * once (the by-id read is every article page's, and an import writes thousands of rows: building
 * a query per call cost more than running it). Updates are prepared per set of changed columns.
 */
export function createArticleRepo(db: Db): ArticleRepo {
  const sqlite = db.$client;
  const byId = sqlite.prepare(`SELECT ${ARTICLE_SQL_COLUMNS} FROM articles WHERE id = ?`);
  const bySlug = sqlite.prepare(`SELECT ${ARTICLE_SQL_COLUMNS} FROM articles WHERE slug = ?`);
  const byExternalId = sqlite.prepare(`SELECT ${ARTICLE_SQL_COLUMNS} FROM articles WHERE external_id = ?`);
  const keysByExternalId = sqlite.prepare('SELECT id, external_id AS externalId, slug FROM articles WHERE external_id = ?');
  const keysBySlug = sqlite.prepare('SELECT id, external_id AS externalId, slug FROM articles WHERE slug = ?');
  // Revalidation needs the version and what decides visibility; these columns come before the body on disk.
  const head = sqlite.prepare(
    'SELECT id, status, published_at AS publishedAt, deleted_at AS deletedAt, section_id AS sectionId, source_id AS sourceId, version, updated_at AS updatedAt FROM articles WHERE id = ?',
  );
  const formerOwner = sqlite.prepare('SELECT article_id FROM article_slug_history WHERE slug = ?').pluck();
  const insert = sqlite.prepare(
    `INSERT INTO articles (${WRITABLE.map(([, column]) => column).join(', ')}) VALUES (${WRITABLE.map(([key]) => `@${key}`).join(', ')}) RETURNING ${ARTICLE_SQL_COLUMNS}`,
  );
  const deleteTags = sqlite.prepare('DELETE FROM article_tags WHERE article_id = ?');
  const insertTag = sqlite.prepare('INSERT OR IGNORE INTO article_tags (article_id, tag) VALUES (?, ?)');
  const deleteRow = sqlite.prepare('DELETE FROM articles WHERE id = ? AND version = ?');
  const retire = sqlite.prepare('INSERT INTO article_slug_history (slug, article_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const release = sqlite.prepare('DELETE FROM article_slug_history WHERE slug = ?');
  const addRevision = sqlite.prepare(
    'INSERT INTO article_revisions (article_id, revision, snapshot, created_at, created_by) VALUES (@articleId, @revision, @snapshot, @createdAt, @createdBy)',
  );
  const revision = sqlite.prepare(
    'SELECT article_id AS articleId, revision, snapshot, created_at AS createdAt, created_by AS createdBy FROM article_revisions WHERE article_id = ? AND revision = ?',
  );
  const revisions = sqlite.prepare(
    'SELECT article_id AS articleId, revision, snapshot, created_at AS createdAt, created_by AS createdBy FROM article_revisions WHERE article_id = ? ORDER BY revision DESC',
  );
  // Both walk articles_status_published_idx.
  const lastDue = sqlite.prepare(`SELECT published_at FROM articles WHERE status = 'published' AND published_at <= ? ORDER BY published_at DESC LIMIT 1`).pluck();
  const nextDue = sqlite.prepare(`SELECT published_at FROM articles WHERE status = 'published' AND published_at > ? ORDER BY published_at LIMIT 1`).pluck();
  const scans = new Map<string, Database.Statement<unknown[]>>();
  const updates = new Map<string, ReturnType<typeof sqlite.prepare>>();

  /** A scan's statement depends on which filters are given (and how many sections): prepared once per shape. */
  function scanStatement(filter: ArticleScan) {
    const shape = `${filter.sectionIds?.length ?? '-'}:${filter.sourceId !== undefined}:${filter.updatedSince !== undefined}`;
    let statement = scans.get(shape);
    if (!statement) {
      const where = ['id > ?'];
      if (filter.sectionIds) where.push(`section_id IN (${filter.sectionIds.map(() => '?').join(',') || 'NULL'})`);
      if (filter.sourceId !== undefined) where.push('source_id = ?');
      if (filter.updatedSince !== undefined) where.push('updated_at >= ?');
      statement = sqlite.prepare(`SELECT ${ARTICLE_SQL_COLUMNS} FROM articles WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`);
      scans.set(shape, statement);
    }
    return statement;
  }
  const parseRevision = (row: Omit<RevisionRow, 'snapshot'> & { snapshot: string }): RevisionRow => ({ ...row, snapshot: JSON.parse(row.snapshot) as Record<string, unknown> });

  function writeTags(id: number, tags: string[]) {
    deleteTags.run(id);
    for (const tag of tags) insertTag.run(id, tag);
  }

  function updateStatement(keys: string[]) {
    const shape = keys.join(',');
    let statement = updates.get(shape);
    if (!statement) {
      const set = keys.map((k) => `${COLUMN_OF.get(k)} = @${k}`).join(', ');
      statement = sqlite.prepare(`UPDATE articles SET ${set}, version = version + 1 WHERE id = @id AND version = @version RETURNING ${ARTICLE_SQL_COLUMNS}`);
      updates.set(shape, statement);
    }
    return statement;
  }

  return {
    byId: async (id) => fromSqlRow(byId.get(id)),
    bySlug: async (slug) => fromSqlRow(bySlug.get(slug)),
    byExternalId: async (externalId) => fromSqlRow(byExternalId.get(externalId)),
    head: async (id) => head.get(id) as ArticleHead | undefined,
    async keysOf(externalIds, slugs) {
      const found = new Map<number, ArticleKeys>();
      for (const x of externalIds) for (const r of keysByExternalId.all(x) as ArticleKeys[]) found.set(r.id, r);
      for (const s of slugs) for (const r of keysBySlug.all(s) as ArticleKeys[]) found.set(r.id, r);
      return [...found.values()];
    },
    formerOwner: async (slug) => formerOwner.get(slug) as number | undefined,
    insert: async (values: ArticleInsert) =>
      translating(() => {
        const row = fromSqlRow(insert.get(bindable(values)))!;
        writeTags(row.id, row.tags);
        return row;
      }),
    update: async (id, version, patch) =>
      translating(() => {
        const keys = Object.keys(patch).filter((k) => COLUMN_OF.has(k) && (patch as Record<string, unknown>)[k] !== undefined);
        const row = fromSqlRow(updateStatement(keys).get({ ...bindable(patch), id, version }));
        if (row && patch.tags !== undefined) writeTags(row.id, row.tags);
        return row;
      }),
    delete: async (id, version) => deleteRow.run(id, version).changes === 1,
    retireSlug: async (slug, articleId, at) => void retire.run(slug, articleId, at),
    releaseSlug: async (slug) => void release.run(slug),
    addRevision: async (row) => void addRevision.run({ ...row, snapshot: JSON.stringify(row.snapshot) }),
    async revision(articleId, rev) {
      const row = revision.get(articleId, rev) as (Omit<RevisionRow, 'snapshot'> & { snapshot: string }) | undefined;
      return row && parseRevision(row);
    },
    list: createArticleLists(db),
    publicationSpan: async (now) => ({ from: (lastDue.get(now) as number | undefined) ?? -Infinity, until: (nextDue.get(now) as number | undefined) ?? Infinity }),
    revisions: async (articleId) => (revisions.all(articleId) as (Omit<RevisionRow, 'snapshot'> & { snapshot: string })[]).map(parseRevision),
    async scan(after, filter, limit) {
      const params = [after, ...(filter.sectionIds ?? []), ...(filter.sourceId === undefined ? [] : [filter.sourceId]), ...(filter.updatedSince === undefined ? [] : [filter.updatedSince]), limit];
      return scanStatement(filter).all(...params).map((row) => fromSqlRow(row)!);
    },
  };
}

const LINK_COLUMNS = 'id, article_id AS articleId, position, target_article_id AS targetArticleId, url, title, created_at AS createdAt, updated_at AS updatedAt';

export function createRelatedLinkRepo(db: Db): RelatedLinkRepo {
  const sqlite = db.$client;
  const byId = sqlite.prepare(`SELECT ${LINK_COLUMNS} FROM related_links WHERE id = ? AND article_id = ?`);
  // Prepared once for any number of articles (their ids as a JSON array): every article page embeds links.
  const forArticles = sqlite.prepare(
    `SELECT l.id, l.article_id AS articleId, l.position, l.target_article_id AS targetArticleId, l.url, l.title, l.created_at AS createdAt, l.updated_at AS updatedAt,
       t.id AS tId, t.title AS tTitle, t.slug AS tSlug, t.external_id AS tExternalId, t.status AS tStatus, t.published_at AS tPublishedAt, t.deleted_at AS tDeletedAt, t.section_id AS tSectionId, t.source_id AS tSourceId
     FROM related_links l LEFT JOIN articles t ON t.id = l.target_article_id
     WHERE l.article_id IN (SELECT value FROM json_each(?))
     ORDER BY l.article_id, l.position, l.id`,
  );
  const count = sqlite.prepare('SELECT count(*) FROM related_links WHERE article_id = ?').pluck();
  const lastPosition = sqlite.prepare('SELECT coalesce(max(position), -1) FROM related_links WHERE article_id = ?').pluck();
  const insert = sqlite.prepare(
    `INSERT INTO related_links (article_id, position, target_article_id, url, title, created_at, updated_at)
     VALUES (@articleId, @position, @targetArticleId, @url, @title, @createdAt, @updatedAt) RETURNING ${LINK_COLUMNS}`,
  );
  const update = sqlite.prepare(
    'UPDATE related_links SET position = coalesce(@position, position), url = coalesce(@url, url), title = coalesce(@title, title), updated_at = @updatedAt WHERE id = @id',
  );
  const remove = sqlite.prepare('DELETE FROM related_links WHERE id = ?');
  const ofArticle = sqlite.prepare(`SELECT ${LINK_COLUMNS} FROM related_links WHERE article_id = ? ORDER BY position, id`);

  type Joined = RelatedLinkRow & { tId: number | null; tTitle: string; tSlug: string; tExternalId: string | null; tStatus: LinkedArticle['status'] } & Record<`t${'PublishedAt' | 'DeletedAt' | 'SectionId' | 'SourceId'}`, number | null>;
  return {
    byId: async (articleId, linkId) => byId.get(linkId, articleId) as RelatedLinkRow | undefined,
    async forArticles(articleIds) {
      if (articleIds.length === 0) return [];
      return (forArticles.all(JSON.stringify(articleIds)) as Joined[]).map(({ tId, tTitle, tSlug, tExternalId, tStatus, tPublishedAt, tDeletedAt, tSectionId, tSourceId, ...link }) => ({
        link,
        target: tId === null ? null : { title: tTitle, slug: tSlug, externalId: tExternalId, status: tStatus, publishedAt: tPublishedAt, deletedAt: tDeletedAt, sectionId: tSectionId!, sourceId: tSourceId },
      }));
    },
    count: async (articleId) => count.get(articleId) as number,
    lastPosition: async (articleId) => lastPosition.get(articleId) as number,
    // One writer at a time already (BEGIN IMMEDIATE).
    hold: async () => undefined,
    insert: async (values) => insert.get(values) as RelatedLinkRow,
    insertMany: async (values) => values.map((v) => insert.get(v) as RelatedLinkRow),
    update: async (linkId, patch) => void update.run({ position: null, url: null, title: null, ...patch, id: linkId }),
    delete: async (linkId) => void remove.run(linkId),
    ofArticle: async (articleId) => ofArticle.all(articleId) as RelatedLinkRow[],
  };
}
