import { eq } from 'drizzle-orm';
import type { ArticleRow } from '../articles/rows.js';
import type { ArticleListener, ArticleWriteOp } from '../articles/store.js';
import type { Clock } from '../common/time.js';
import type { Db } from '../store/sqlite/connection.js';
import { articles, type sections, type sources } from '../store/sqlite/schema.js';
import type { LinkListener } from '../related-links/store.js';
import type { SectionListener } from '../sections/store.js';
import type { SourceListener } from '../sources/store.js';

type Op = 'create' | 'update' | 'delete';

/** What observers (the webhooks outbox) hear, inside the change's transaction. */
export type Change =
  | { resource: 'article'; op: Op | 'publish'; row: ArticleRow; at: number; /** readers could not see it before and can now */ published: boolean }
  | { resource: 'section'; op: Op; row: typeof sections.$inferSelect; at: number }
  | { resource: 'source'; op: Op; row: typeof sources.$inferSelect; at: number };
export type ChangeObserver = (change: Change) => void;

type LastState = { readerAfter: number; sectionId: number | null; sourceId: number | null; op: Op };
type EventValues = {
  resource: 'article' | 'section' | 'source' | 'relatedLink';
  resourceId: number;
  op: Op;
  at: number;
  articleId?: number | null;
  sectionId?: number | null;
  sourceId?: number | null;
  prevSectionId?: number | null;
  prevSourceId?: number | null;
  readerBefore: boolean;
  readerAfter: boolean;
  pending?: boolean;
  visibleAt?: number | null;
};

const EDITOR_OP: Record<ArticleWriteOp, Op> = { create: 'create', update: 'update', restore: 'update', delete: 'delete', purge: 'delete' };

/**
 * Writes the change feed (table change_events) from the stores' listeners, inside each write's
 * transaction: commit order is cursor order. For articles it records what readers were told:
 * `reader_before` is the `reader_after` of the article's previous event (not a recomputation), so
 * an article becomes visible in the feed exactly once per transition. A scheduled article's event
 * is `pending` until publishDue() writes its publication as a new event (see docs/changes-and-webhooks.md).
 */
export function createChangeRecorder(db: Db, clock: Clock, observers: ChangeObserver[] = []) {
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
  const anyDue = sqlite.prepare('SELECT 1 FROM change_events WHERE pending = 1 AND visible_at <= ? LIMIT 1');
  // Articles whose related links point at the changed one: readers' view of their links changed too.
  const fanOut = sqlite.prepare(
    `INSERT INTO change_events (resource, resource_id, op, at, article_id, section_id, source_id, prev_section_id, prev_source_id, reader_before, reader_after)
     SELECT 'article', e.resource_id, 'update', ?, e.resource_id, e.section_id, e.source_id, e.section_id, e.source_id, e.reader_after, e.reader_after
     FROM change_events e WHERE e.op <> 'delete' AND e.cursor IN (
       SELECT max(c.cursor) FROM change_events c WHERE c.resource = 'article'
         AND c.resource_id IN (SELECT article_id FROM related_links WHERE target_article_id = ? AND article_id <> ?)
       GROUP BY c.resource_id)
     ORDER BY e.resource_id`,
  );

  const write = (v: EventValues) =>
    insert.run({
      articleId: null, sectionId: null, sourceId: null, prevSectionId: null, prevSourceId: null, visibleAt: null,
      ...v,
      readerBefore: v.readerBefore ? 1 : 0,
      readerAfter: v.readerAfter ? 1 : 0,
      pending: v.pending ? 1 : 0,
    });
  const notify = (change: Change) => observers.forEach((o) => o(change));
  const last = (articleId: number) => lastOf.get(articleId) as LastState | undefined;

  const article: ArticleListener = (writeOp, row, previous) => {
    const now = clock();
    const before = last(row.id);
    const live = writeOp !== 'purge' && row.deletedAt === null && row.status === 'published' && row.publishedAt !== null;
    const readerAfter = live && row.publishedAt! <= now;
    const readerBefore = before?.readerAfter === 1;
    settle.run(row.id);
    write({
      resource: 'article', resourceId: row.id, op: EDITOR_OP[writeOp], at: now, articleId: row.id,
      sectionId: row.sectionId, sourceId: row.sourceId,
      prevSectionId: before ? before.sectionId : row.sectionId, prevSourceId: before ? before.sourceId : row.sourceId,
      readerBefore, readerAfter, pending: live && !readerAfter, visibleAt: live && !readerAfter ? row.publishedAt : null,
    });
    // Links show their target's title and slug and hide invisible targets: the linking articles changed too.
    const renamed = previous !== null && (previous.title !== row.title || previous.slug !== row.slug);
    if (readerBefore !== readerAfter || writeOp === 'delete' || writeOp === 'restore' || renamed) fanOut.run(now, row.id, row.id);
    // Purging an article already in the trash is no news to subscribers: they heard of the delete.
    if (writeOp === 'purge' && previous?.deletedAt !== null) return;
    notify({ resource: 'article', op: EDITOR_OP[writeOp], row, at: now, published: !readerBefore && readerAfter });
  };

  const link: LinkListener = (op, linkId, articleId) => {
    const owner = last(articleId);
    const visible = owner?.readerAfter === 1;
    const sectionId = owner?.sectionId ?? null;
    const sourceId = owner?.sourceId ?? null;
    write({
      resource: 'relatedLink', resourceId: linkId, op, at: clock(), articleId, sectionId, sourceId, prevSectionId: sectionId, prevSourceId: sourceId,
      readerBefore: op !== 'create' && visible, readerAfter: op !== 'delete' && visible,
    });
  };

  const section: SectionListener = (op, row) => {
    const at = clock();
    write({ resource: 'section', resourceId: row.id, op, at, readerBefore: op !== 'create', readerAfter: op !== 'delete' });
    notify({ resource: 'section', op, row, at });
  };

  const source: SourceListener = (op, row) => {
    const at = clock();
    write({ resource: 'source', resourceId: row.id, op, at, readerBefore: op !== 'create', readerAfter: op !== 'delete' });
    notify({ resource: 'source', op, row, at });
  };

  /**
   * Writes the publication of every scheduled article that has come due: one event each, in the
   * order of their publishedAt, appended to the log (so after everything a partner already read).
   * Idempotent; called before the feed is read and on each webhooks worker tick.
   */
  function publishDue(): number {
    // Checked outside a transaction first: feed reads should not take the write lock for nothing.
    if (!anyDue.get(clock())) return 0;
    return db.transaction(() => {
      const rows = due.all(clock()) as { id: number; visibleAt: number }[];
      for (const { id, visibleAt } of rows) {
        const state = last(id)!;
        settle.run(id);
        write({
          resource: 'article', resourceId: id, op: 'update', at: visibleAt, articleId: id,
          sectionId: state.sectionId, sourceId: state.sourceId, prevSectionId: state.sectionId, prevSourceId: state.sourceId,
          readerBefore: false, readerAfter: true,
        });
        fanOut.run(visibleAt, id, id);
        const row = db.select().from(articles).where(eq(articles.id, id)).get();
        if (row) notify({ resource: 'article', op: 'publish', row, at: visibleAt, published: true });
      }
      return rows.length;
    });
  }

  return { article, link, section, source, publishDue };
}

export type ChangeRecorder = ReturnType<typeof createChangeRecorder>;
