import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ArticleFeedState, ChangeEventInsert, ChangeLogRepo, OutboxRepo, PendingLinks, PendingLinksRepo, SearchDocument, SearchIndexRepo } from '../port.js';
import type { Db } from './connection.js';

/** The change feed's table (change_events); `cursor` is its order, and on SQLite, with one writer, commit order. */
const bindable = (e: ChangeEventInsert) => ({ ...e, readerBefore: e.readerBefore ? 1 : 0, readerAfter: e.readerAfter ? 1 : 0, pending: e.pending ? 1 : 0 });

export function createChangeLogRepo(db: Db): ChangeLogRepo {
  const sqlite = db.$client;
  const insert = sqlite.prepare(
    `INSERT INTO change_events (resource, resource_id, op, at, article_id, section_id, source_id, prev_section_id, prev_source_id, reader_before, reader_after, pending, visible_at)
     VALUES (@resource, @resourceId, @op, @at, @articleId, @sectionId, @sourceId, @prevSectionId, @prevSourceId, @readerBefore, @readerAfter, @pending, @visibleAt)`,
  );
  const lastOf = sqlite.prepare(
    `SELECT reader_after AS readerAfter, section_id AS sectionId, source_id AS sourceId, op FROM change_events
     WHERE resource = 'article' AND resource_id = ? ORDER BY cursor DESC LIMIT 1`,
  );
  const settle = sqlite.prepare(`UPDATE change_events SET pending = 0 WHERE resource = 'article' AND resource_id = ? AND pending = 1`);
  const due = sqlite.prepare(`SELECT resource_id AS id, visible_at AS visibleAt FROM change_events WHERE pending = 1 AND visible_at <= ? ORDER BY visible_at, cursor`);
  const fanOut = sqlite.prepare(
    `INSERT INTO change_events (resource, resource_id, op, at, article_id, section_id, source_id, prev_section_id, prev_source_id, reader_before, reader_after)
     SELECT 'article', e.resource_id, 'update', ?, e.resource_id, e.section_id, e.source_id, e.section_id, e.source_id, e.reader_after, e.reader_after
     FROM change_events e WHERE e.op <> 'delete' AND e.cursor IN (
       SELECT max(c.cursor) FROM change_events c WHERE c.resource = 'article'
         AND c.resource_id IN (SELECT article_id FROM related_links WHERE target_article_id = ? AND article_id <> ?)
       GROUP BY c.resource_id)
     ORDER BY e.resource_id`,
  );
  return {
    async lastOf(articleId) {
      const row = lastOf.get(articleId) as (Omit<ArticleFeedState, 'readerAfter'> & { readerAfter: number }) | undefined;
      return row && { ...row, readerAfter: row.readerAfter === 1 };
    },
    append: async (e) => void insert.run(bindable(e)),
    appendMany: async (events) => {
      for (const e of events) insert.run(bindable(e));
    },
    settle: async (articleId) => settle.run(articleId).changes > 0,
    due: async (now) => due.all(now) as { id: number; visibleAt: number }[],
    fanOut: async (at, targetId) => void fanOut.run(at, targetId, targetId),
  };
}

/** Whether a publication has come due that the feed does not hold yet: read outside units, before the feed is read. */
export function anyDueOf(db: Db): (now: number) => Promise<boolean> {
  const anyDue = db.$client.prepare('SELECT 1 FROM change_events WHERE pending = 1 AND visible_at <= ? LIMIT 1');
  return async (now) => anyDue.get(now) !== undefined;
}

export function createOutboxRepo(db: Db): OutboxRepo {
  const sqlite = db.$client;
  const subscribers = sqlite.prepare('SELECT id, events FROM webhooks WHERE active = 1');
  const enqueue = sqlite.prepare(
    `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, status, attempts, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)`,
  );
  return {
    subscribers: async () => (subscribers.all() as { id: number; events: string }[]).map((h) => ({ id: h.id, events: JSON.parse(h.events) as string[] })),
    async enqueue(deliveries) {
      for (const d of deliveries) enqueue.run(d.webhookId, d.eventId, d.eventType, d.payload, d.at, d.at);
    },
  };
}

/**
 * The search index's writes (articles_fts, migrations/sqlite/0001_search_index.sql), held until
 * the unit commits. FTS5 keeps new postings in memory until the transaction commits, but flushes
 * them to a new segment whenever a statement opens a savepoint — an import's savepoint per line,
 * a multi-row UPDATE, the change feed's INSERT … SELECT. Written as they came, that was a segment
 * per article (a third of an import's time, and an index of tiny segments). So the unit keeps
 * the last entry per article and writes them together just before COMMIT; a savepoint that rolls
 * back restores the entries held when it began.
 */
export function createHeldSearchIndex(db: Db) {
  const sqlite = db.$client;
  const del = sqlite.prepare('DELETE FROM articles_fts WHERE rowid = ?');
  const ins = sqlite.prepare('INSERT INTO articles_fts (rowid, title, subtitle, summary, body, tags) VALUES (?, ?, ?, ?, ?, ?)');
  /** The unit's entries, by article: a document to put, or null to remove. */
  let held = new Map<number, SearchDocument | null>();

  const repo: SearchIndexRepo = {
    put: async (articleId, doc) => void held.set(articleId, doc),
    remove: async (articleId) => void held.set(articleId, null),
  };
  return {
    repo,
    /** Before a savepoint: what to restore when it rolls back. */
    mark: () => new Map(held),
    restore: (mark: Map<number, SearchDocument | null>) => void (held = mark),
    /** Writes the held entries; called inside the transaction, just before COMMIT. */
    flush() {
      for (const [id, doc] of held) {
        del.run(id);
        if (doc) ins.run(id, doc.title, doc.subtitle, doc.summary, doc.body, doc.tags);
      }
      held = new Map();
    },
    discard: () => void (held = new Map()),
  };
}

/**
 * Pending links of the imports in progress, one TEMP table each, so that they cost disk, not
 * memory (this build of SQLite keeps temp tables in a file). TEMP tables belong to the writing
 * connection, the one every unit of work runs on.
 */
export function createPendingLinksRepo(db: Db): PendingLinksRepo {
  const sqlite = db.$client;
  const lists = new Map<string, { add: Database.Statement; page: Database.Statement; take: Database.Statement }>();
  const of = (list: string) => {
    const found = lists.get(list);
    if (!found) throw new Error(`no pending-links list ${list}`);
    return found;
  };
  const COLUMNS = 'article_id AS articleId, line, status, external_id AS externalId, slug, links';
  return {
    async create() {
      const name = `import_pending_${randomBytes(6).toString('hex')}`;
      const table = `temp.${name}`;
      sqlite.exec(`CREATE TABLE ${table} (article_id INTEGER NOT NULL, line INTEGER NOT NULL, status TEXT NOT NULL, external_id TEXT, slug TEXT, links TEXT NOT NULL)`);
      sqlite.exec(`CREATE INDEX temp.${name}_article ON ${name} (article_id)`);
      lists.set(name, {
        add: sqlite.prepare(`INSERT INTO ${table} (article_id, line, status, external_id, slug, links) VALUES (?, ?, ?, ?, ?, ?)`),
        page: sqlite.prepare(`SELECT rowid AS position, ${COLUMNS} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`),
        take: sqlite.prepare(`DELETE FROM ${table} WHERE article_id = ? RETURNING ${COLUMNS}`),
      });
      return name;
    },
    add: async (list, p) => void of(list).add.run(p.articleId, p.line, p.status, p.externalId ?? null, p.slug ?? null, p.links),
    page: async (list, after, limit) => of(list).page.all(after, limit) as (PendingLinks & { position: number })[],
    take: async (list, articleId) => of(list).take.all(articleId) as PendingLinks[],
    async drop(list) {
      lists.delete(list);
      sqlite.exec(`DROP TABLE IF EXISTS temp.${list}`);
    },
  };
}
