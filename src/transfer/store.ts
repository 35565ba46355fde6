import { randomBytes } from 'node:crypto';
import type { Clock } from '../common/time.js';
import type { Db } from '../store/sqlite/connection.js';

/** A related link as stored, without its id and position: what an import compares and writes. */
export type LinkTarget = { targetArticleId: number; url: null; title: null } | { targetArticleId: null; url: string; title: string };

export type ArticleKey = { id: number; version: number; status: string; slug: string; externalId: string | null };

/** An article whose related links name articles not there yet; kept until the end of the import. */
export type PendingLinks = {
  articleId: number;
  line: number;
  status: 'created' | 'updated' | 'unchanged';
  externalId?: string | null;
  slug?: string | null;
  links: string;
};

/**
 * The lookups and writes of an import that the CRUD stores do not have: records by their import
 * keys (slug, externalId), an article's related links replaced as a whole, and the list of
 * articles waiting for forward references, kept in a TEMP table so that it costs disk, not memory
 * (this build of SQLite keeps temp tables in a file). All synchronous: they run inside the
 * import's batch transactions.
 */
export function createTransferStore(db: Db, clock: Clock) {
  const sqlite = db.$client;
  const sectionBySlug = sqlite.prepare('SELECT id, slug, name, description, parent_id AS parentId, position FROM sections WHERE slug = ?');
  const sourceBySlug = sqlite.prepare('SELECT id, slug, name, url, kind FROM sources WHERE slug = ?');
  const keyCols = 'id, version, status, slug, external_id AS externalId';
  const articleByExternalId = sqlite.prepare(`SELECT ${keyCols} FROM articles WHERE external_id = ?`);
  const articleBySlug = sqlite.prepare(`SELECT ${keyCols} FROM articles WHERE slug = ?`);
  const linksOf = sqlite.prepare('SELECT target_article_id AS targetArticleId, url, title FROM related_links WHERE article_id = ? ORDER BY position, id');
  const deleteLinks = sqlite.prepare('DELETE FROM related_links WHERE article_id = ?');
  const insertLink = sqlite.prepare(
    'INSERT INTO related_links (article_id, position, target_article_id, url, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );

  return {
    sectionBySlug: (slug: string) =>
      sectionBySlug.get(slug) as { id: number; slug: string; name: string; description: string | null; parentId: number | null; position: number } | undefined,
    sourceBySlug: (slug: string) => sourceBySlug.get(slug) as { id: number; slug: string; name: string; url: string | null; kind: string } | undefined,
    articleByExternalId: (externalId: string) => articleByExternalId.get(externalId) as ArticleKey | undefined,
    articleBySlug: (slug: string) => articleBySlug.get(slug) as ArticleKey | undefined,

    linksOf: (articleId: number) => linksOf.all(articleId) as LinkTarget[],

    /** Replaces all of an article's related links, in this order. */
    replaceLinks(articleId: number, targets: LinkTarget[]): void {
      const now = clock();
      deleteLinks.run(articleId);
      targets.forEach((t, i) => insertLink.run(articleId, i, t.targetArticleId, t.url, t.title, now, now));
    },

    /** A TEMP table for one import's pending links; a random name, because concurrent imports share the connection. */
    createPendingList() {
      const name = `import_pending_${randomBytes(6).toString('hex')}`;
      const table = `temp.${name}`;
      sqlite.exec(`CREATE TABLE ${table} (article_id INTEGER NOT NULL, line INTEGER NOT NULL, status TEXT NOT NULL, external_id TEXT, slug TEXT, links TEXT NOT NULL)`);
      sqlite.exec(`CREATE INDEX temp.${name}_article ON ${name} (article_id)`);
      const take = sqlite.prepare(`DELETE FROM ${table} WHERE article_id = ? RETURNING article_id AS articleId, line, status, external_id AS externalId, slug, links`);
      const ins = sqlite.prepare(`INSERT INTO ${table} (article_id, line, status, external_id, slug, links) VALUES (?, ?, ?, ?, ?, ?)`);
      const sel = sqlite.prepare(
        `SELECT rowid, article_id AS articleId, line, status, external_id AS externalId, slug, links FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
      );
      return {
        add: (p: PendingLinks) => void ins.run(p.articleId, p.line, p.status, p.externalId ?? null, p.slug ?? null, p.links),
        /** Up to `limit` entries after rowid `after`, in the order they were added. */
        page: (after: number, limit: number) => sel.all(after, limit) as (PendingLinks & { rowid: number })[],
        /** Removes and returns an article's entries: a later line of the file replaces their links. */
        take: (articleId: number) => take.all(articleId) as PendingLinks[],
        drop: () => void sqlite.exec(`DROP TABLE IF EXISTS ${table}`),
      };
    },
  };
}

export type TransferStore = ReturnType<typeof createTransferStore>;
export type PendingList = ReturnType<TransferStore['createPendingList']>;
