import type { ArticleHead, ArticleInsert, ArticleKeys, ArticleRepo, ArticleRow, LinkedArticle, RelatedLinkRepo, RelatedLinkRow, RevisionRow } from '../port.js';
import { ARTICLE_COLUMNS, ARTICLE_SQL_COLUMNS } from './columns.js';
import { createArticleLists } from './lists.js';
import { changed, row, rows, type Queryable } from './query.js';

/** Every column but the id and the version (which take their defaults on insert), as on SQLite. */
const WRITABLE = (Object.keys(ARTICLE_COLUMNS) as (keyof ArticleRow)[]).filter((key) => key !== 'id' && key !== 'version');

/** A value as node-postgres must send it: tags (jsonb) as JSON text, since it turns a JS array into an array literal. */
const bindable = (key: string, value: unknown) => (key === 'tags' ? JSON.stringify(value) : value);

const INSERT = `INSERT INTO articles (${WRITABLE.map((key) => ARTICLE_COLUMNS[key]).join(', ')})
  VALUES (${WRITABLE.map((key, i) => (key === 'tags' ? `$${i + 1}::jsonb` : `$${i + 1}`)).join(', ')}) RETURNING ${ARTICLE_SQL_COLUMNS}`;

const REVISION_COLUMNS = 'article_id AS "articleId", revision, snapshot, created_at AS "createdAt", created_by AS "createdBy"';

/**
 * Articles as the storage port sees them, statement for statement the SQLite adapter's
 * (src/store/sqlite/articles.ts). The rows are the same: the body and tags as written, times in
 * ms. A write never relies on being the only writer: updates and deletes are conditional on the
 * version, collisions (slug, external id) are the unique constraints' 23505, which the store turns
 * into the 409.
 */
export function createArticleRepo(q: Queryable): ArticleRepo {
  /** One row per distinct tag; the article's own list keeps the tags as given (duplicates and order), as on SQLite. */
  async function writeTags(id: number, tags: string[], fresh = false) {
    // A row just inserted has no tag rows yet (its id is new): nothing to delete.
    if (!fresh) await q.query('DELETE FROM article_tags WHERE article_id = $1', [id]);
    if (tags.length > 0) await q.query('INSERT INTO article_tags (article_id, tag) SELECT $1, tag FROM unnest($2::text[]) AS t(tag) ON CONFLICT DO NOTHING', [id, tags]);
  }

  return {
    byId: (id) => row<ArticleRow>(q, `SELECT ${ARTICLE_SQL_COLUMNS} FROM articles WHERE id = $1`, [id]),
    bySlug: (slug) => row<ArticleRow>(q, `SELECT ${ARTICLE_SQL_COLUMNS} FROM articles WHERE slug = $1`, [slug]),
    byExternalId: (externalId) => row<ArticleRow>(q, `SELECT ${ARTICLE_SQL_COLUMNS} FROM articles WHERE external_id = $1`, [externalId]),
    head: (id) =>
      row<ArticleHead>(
        q,
        'SELECT id, status, published_at AS "publishedAt", deleted_at AS "deletedAt", section_id AS "sectionId", source_id AS "sourceId", version, updated_at AS "updatedAt" FROM articles WHERE id = $1',
        [id],
      ),
    keysOf: async (externalIds, slugs) =>
      externalIds.length === 0 && slugs.length === 0
        ? []
        : rows<ArticleKeys>(q, 'SELECT id, external_id AS "externalId", slug FROM articles WHERE external_id = ANY($1::text[]) OR slug = ANY($2::text[])', [externalIds, slugs]),
    formerOwner: async (slug) => (await row<{ articleId: number }>(q, 'SELECT article_id AS "articleId" FROM article_slug_history WHERE slug = $1', [slug]))?.articleId,
    async insert(values: ArticleInsert) {
      const inserted = (await row<ArticleRow>(q, INSERT, WRITABLE.map((key) => bindable(key, (values as Record<string, unknown>)[key]))))!;
      await writeTags(inserted.id, inserted.tags, true);
      return inserted;
    },
    async update(id, version, patch) {
      const keys = WRITABLE.filter((key) => (patch as Record<string, unknown>)[key] !== undefined);
      const set = keys.map((key, i) => `${ARTICLE_COLUMNS[key]} = $${i + 3}${key === 'tags' ? '::jsonb' : ''}`);
      const updated = await row<ArticleRow>(
        q,
        `UPDATE articles SET ${[...set, 'version = version + 1'].join(', ')} WHERE id = $1 AND version = $2 RETURNING ${ARTICLE_SQL_COLUMNS}`,
        [id, version, ...keys.map((key) => bindable(key, (patch as Record<string, unknown>)[key]))],
      );
      if (updated && patch.tags !== undefined) await writeTags(updated.id, updated.tags);
      return updated;
    },
    // Tags, revisions, old slugs, links from and to the article and its search entry go with it (ON DELETE CASCADE), as on SQLite.
    delete: async (id, version) => (await changed(q, 'DELETE FROM articles WHERE id = $1 AND version = $2', [id, version])) === 1,
    retireSlug: async (slug, articleId, at) =>
      void (await q.query('INSERT INTO article_slug_history (slug, article_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [slug, articleId, at])),
    releaseSlug: async (slug) => void (await q.query('DELETE FROM article_slug_history WHERE slug = $1', [slug])),
    // json (not jsonb) keeps the snapshot's text as written, key order included; node-postgres parses it on the way back.
    addRevision: async (r) =>
      void (await q.query('INSERT INTO article_revisions (article_id, revision, snapshot, created_at, created_by) VALUES ($1, $2, $3::json, $4, $5)', [
        r.articleId,
        r.revision,
        JSON.stringify(r.snapshot),
        r.createdAt,
        r.createdBy,
      ])),
    revision: (articleId, rev) => row<RevisionRow>(q, `SELECT ${REVISION_COLUMNS} FROM article_revisions WHERE article_id = $1 AND revision = $2`, [articleId, rev]),
    revisions: (articleId) => rows<RevisionRow>(q, `SELECT ${REVISION_COLUMNS} FROM article_revisions WHERE article_id = $1 ORDER BY revision DESC`, [articleId]),
    list: createArticleLists(q),
    async publicationSpan(now) {
      // Both walk articles_status_published_idx (status, published_at DESC NULLS LAST, id DESC), one of them backwards.
      const [last, next] = await Promise.all([
        row<{ at: number }>(q, `SELECT published_at AS at FROM articles WHERE status = 'published' AND published_at <= $1 ORDER BY published_at DESC NULLS LAST LIMIT 1`, [now]),
        row<{ at: number }>(q, `SELECT published_at AS at FROM articles WHERE status = 'published' AND published_at > $1 ORDER BY published_at ASC NULLS FIRST LIMIT 1`, [now]),
      ]);
      return { from: last?.at ?? -Infinity, until: next?.at ?? Infinity };
    },
    async scan(after, filter, limit) {
      const values: unknown[] = [after];
      const bind = (value: unknown) => `$${values.push(value)}`;
      const where = ['id > $1'];
      if (filter.sectionIds) where.push(`section_id = ANY(${bind(filter.sectionIds)}::int8[])`);
      if (filter.sourceId !== undefined) where.push(`source_id = ${bind(filter.sourceId)}`);
      if (filter.updatedSince !== undefined) where.push(`updated_at >= ${bind(filter.updatedSince)}`);
      return rows<ArticleRow>(q, `SELECT ${ARTICLE_SQL_COLUMNS} FROM articles WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${bind(limit)}`, values);
    },
  };
}

const LINK_COLUMNS = 'id, article_id AS "articleId", position, target_article_id AS "targetArticleId", url, title, created_at AS "createdAt", updated_at AS "updatedAt"';

type Joined = RelatedLinkRow & {
  tId: number | null;
  tTitle: string;
  tSlug: string;
  tExternalId: string | null;
  tStatus: LinkedArticle['status'];
} & Record<`t${'PublishedAt' | 'DeletedAt' | 'SectionId' | 'SourceId'}`, number | null>;

export function createRelatedLinkRepo(q: Queryable): RelatedLinkRepo {
  return {
    byId: (articleId, linkId) => row<RelatedLinkRow>(q, `SELECT ${LINK_COLUMNS} FROM related_links WHERE id = $1 AND article_id = $2`, [linkId, articleId]),
    async forArticles(articleIds) {
      if (articleIds.length === 0) return [];
      const joined = await rows<Joined>(
        q,
        `SELECT l.id, l.article_id AS "articleId", l.position, l.target_article_id AS "targetArticleId", l.url, l.title, l.created_at AS "createdAt", l.updated_at AS "updatedAt",
           t.id AS "tId", t.title AS "tTitle", t.slug AS "tSlug", t.external_id AS "tExternalId", t.status AS "tStatus", t.published_at AS "tPublishedAt",
           t.deleted_at AS "tDeletedAt", t.section_id AS "tSectionId", t.source_id AS "tSourceId"
         FROM related_links l LEFT JOIN articles t ON t.id = l.target_article_id
         WHERE l.article_id = ANY($1::int8[])
         ORDER BY l.article_id, l.position, l.id`,
        [articleIds],
      );
      return joined.map(({ tId, tTitle, tSlug, tExternalId, tStatus, tPublishedAt, tDeletedAt, tSectionId, tSourceId, ...link }) => ({
        link,
        target:
          tId === null
            ? null
            : { title: tTitle, slug: tSlug, externalId: tExternalId, status: tStatus, publishedAt: tPublishedAt, deletedAt: tDeletedAt, sectionId: tSectionId!, sourceId: tSourceId },
      }));
    },
    count: async (articleId) => (await row<{ n: number }>(q, 'SELECT count(*) AS n FROM related_links WHERE article_id = $1', [articleId]))!.n,
    // The article's row lock: taken before counting, so that what follows reads the links of the unit that held it before.
    hold: async (articleId) => void (await q.query('SELECT 1 FROM articles WHERE id = $1 FOR UPDATE', [articleId])),
    lastPosition: async (articleId) => (await row<{ p: number }>(q, 'SELECT coalesce(max(position), -1) AS p FROM related_links WHERE article_id = $1', [articleId]))!.p,
    insert: async (v) =>
      (await row<RelatedLinkRow>(
        q,
        `INSERT INTO related_links (article_id, position, target_article_id, url, title, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${LINK_COLUMNS}`,
        [v.articleId, v.position, v.targetArticleId, v.url, v.title, v.createdAt, v.updatedAt],
      ))!,
    /** One statement; ids are taken in the order given (the rows are produced in that order), and the rows come back in it. */
    async insertMany(values) {
      if (values.length === 0) return [];
      const inserted = await rows<RelatedLinkRow>(
        q,
        `INSERT INTO related_links (article_id, position, target_article_id, url, title, created_at, updated_at)
         SELECT v.article_id, v.position, v.target_article_id, v.url, v.title, v.created_at, v.updated_at
         FROM unnest($1::int8[], $2::int4[], $3::int8[], $4::text[], $5::text[], $6::int8[], $7::int8[]) WITH ORDINALITY AS v(article_id, position, target_article_id, url, title, created_at, updated_at, n)
         ORDER BY v.n
         RETURNING ${LINK_COLUMNS}`,
        [
          values.map((v) => v.articleId),
          values.map((v) => v.position),
          values.map((v) => v.targetArticleId),
          values.map((v) => v.url),
          values.map((v) => v.title),
          values.map((v) => v.createdAt),
          values.map((v) => v.updatedAt),
        ],
      );
      // RETURNING promises no order; the ids are in the order given.
      return inserted.sort((a, b) => a.id - b.id);
    },
    // As on SQLite, a field given as null (or not given) stays as it is.
    update: async (linkId, patch) =>
      void (await q.query(
        'UPDATE related_links SET position = coalesce($2, position), url = coalesce($3, url), title = coalesce($4, title), updated_at = $5 WHERE id = $1',
        [linkId, patch.position ?? null, patch.url ?? null, patch.title ?? null, patch.updatedAt],
      )),
    delete: async (linkId) => void (await q.query('DELETE FROM related_links WHERE id = $1', [linkId])),
    ofArticle: (articleId) => rows<RelatedLinkRow>(q, `SELECT ${LINK_COLUMNS} FROM related_links WHERE article_id = $1 ORDER BY position, id`, [articleId]),
  };
}
