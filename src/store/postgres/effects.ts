import { randomBytes } from 'node:crypto';
import type { ArticleFeedState, ChangeEventInsert, ChangeLogRepo, OutboxRepo, PendingLinks, PendingLinksRepo } from '../port.js';
import { changed, row, rows, type Queryable } from './query.js';

/**
 * The change feed's table (change_events), written in the unit of the change. `cursor` orders an
 * article's own events: two writes of one article take turns on its row (the version check), so
 * the later writer's insert takes the larger cursor. The feed's order across articles is another
 * matter (src/store/postgres/feed.ts).
 */
export function createChangeLogRepo(q: Queryable): ChangeLogRepo {
  return {
    async lastOf(articleId) {
      return row<ArticleFeedState>(
        q,
        `SELECT reader_after AS "readerAfter", section_id AS "sectionId", source_id AS "sourceId", op FROM change_events
         WHERE resource = 'article' AND resource_id = $1 ORDER BY cursor DESC LIMIT 1`,
        [articleId],
      );
    },
    async append(e) {
      await q.query(
        `INSERT INTO change_events (resource, resource_id, op, at, article_id, section_id, source_id, prev_section_id, prev_source_id, reader_before, reader_after, pending, visible_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [e.resource, e.resourceId, e.op, e.at, e.articleId, e.sectionId, e.sourceId, e.prevSectionId, e.prevSourceId, e.readerBefore, e.readerAfter, e.pending, e.visibleAt],
      );
    },
    /** One statement; the cursors are taken in the order given. */
    async appendMany(events) {
      if (events.length === 0) return;
      const col = <K extends keyof ChangeEventInsert>(key: K) => events.map((e) => e[key]);
      await q.query(
        `INSERT INTO change_events (resource, resource_id, op, at, article_id, section_id, source_id, prev_section_id, prev_source_id, reader_before, reader_after, pending, visible_at)
         SELECT e.resource, e.resource_id, e.op, e.at, e.article_id, e.section_id, e.source_id, e.prev_section_id, e.prev_source_id, e.reader_before, e.reader_after, e.pending, e.visible_at
         FROM unnest($1::text[], $2::int8[], $3::text[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::int8[], $9::int8[], $10::bool[], $11::bool[], $12::bool[], $13::int8[])
           WITH ORDINALITY AS e(resource, resource_id, op, at, article_id, section_id, source_id, prev_section_id, prev_source_id, reader_before, reader_after, pending, visible_at, n)
         ORDER BY e.n`,
        [col('resource'), col('resourceId'), col('op'), col('at'), col('articleId'), col('sectionId'), col('sourceId'), col('prevSectionId'), col('prevSourceId'), col('readerBefore'), col('readerAfter'), col('pending'), col('visibleAt')],
      );
    },
    /**
     * Several nodes may publish the same due article at once: the second UPDATE waits for the
     * first's row lock, then finds the row no longer pending, so only one unit writes the event.
     */
    settle: async (articleId) => (await changed(q, `UPDATE change_events SET pending = false WHERE resource = 'article' AND resource_id = $1 AND pending`, [articleId])) > 0,
    due: (now) =>
      rows<{ id: number; visibleAt: number }>(q, `SELECT resource_id AS id, visible_at AS "visibleAt" FROM change_events WHERE pending AND visible_at <= $1 ORDER BY visible_at, cursor`, [now]),
    async fanOut(at, targetId) {
      await q.query(
        `INSERT INTO change_events (resource, resource_id, op, at, article_id, section_id, source_id, prev_section_id, prev_source_id, reader_before, reader_after)
         SELECT 'article', e.resource_id, 'update', $1, e.resource_id, e.section_id, e.source_id, e.section_id, e.source_id, e.reader_after, e.reader_after
         FROM change_events e WHERE e.op <> 'delete' AND e.cursor IN (
           SELECT max(c.cursor) FROM change_events c WHERE c.resource = 'article'
             AND c.resource_id IN (SELECT article_id FROM related_links WHERE target_article_id = $2 AND article_id <> $2)
           GROUP BY c.resource_id)
         ORDER BY e.resource_id`,
        [at, targetId],
      );
    },
  };
}

/** Whether a publication has come due that the feed does not hold yet: read outside units, before the feed is read. */
export function anyDueOf(q: Queryable): (now: number) => Promise<boolean> {
  return async (now) => (await rows(q, 'SELECT 1 FROM change_events WHERE pending AND visible_at <= $1 LIMIT 1', [now])).length > 0;
}

export function createOutboxRepo(q: Queryable): OutboxRepo {
  return {
    subscribers: () => rows<{ id: number; events: string[] }>(q, 'SELECT id, events FROM webhooks WHERE active ORDER BY id'),
    /** One statement; the deliveries take their ids in the order given, which is each endpoint's delivery order. */
    async enqueue(deliveries) {
      if (deliveries.length === 0) return;
      await q.query(
        `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, status, attempts, next_attempt_at, created_at)
         SELECT d.webhook_id, d.event_id, d.event_type, d.payload, 'pending', 0, d.at, d.at
         FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::int8[]) WITH ORDINALITY AS d(webhook_id, event_id, event_type, payload, at, n)
         ORDER BY d.n`,
        [deliveries.map((d) => d.webhookId), deliveries.map((d) => d.eventId), deliveries.map((d) => d.eventType), deliveries.map((d) => d.payload), deliveries.map((d) => d.at)],
      );
    },
  };
}

const PENDING_COLUMNS = 'article_id AS "articleId", line, status, external_id AS "externalId", slug, links';

/**
 * Pending links of the imports in progress (import_pending_links). SQLite keeps a TEMP table per
 * import on its one writing connection; here an import's units run on whichever pooled connection
 * is free, so the lists share one table, each under its random name, and `position` (an identity)
 * is the order entries were added in.
 */
export function createPendingLinksRepo(q: Queryable): PendingLinksRepo {
  return {
    create: async () => `import_pending_${randomBytes(6).toString('hex')}`,
    async add(list, p) {
      await q.query('INSERT INTO import_pending_links (list, article_id, line, status, external_id, slug, links) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        list,
        p.articleId,
        p.line,
        p.status,
        p.externalId ?? null,
        p.slug ?? null,
        p.links,
      ]);
    },
    page: (list, after, limit) =>
      rows<PendingLinks & { position: number }>(
        q,
        `SELECT position, ${PENDING_COLUMNS} FROM import_pending_links WHERE list = $1 AND position > $2 ORDER BY position LIMIT $3`,
        [list, after, limit],
      ),
    /** DELETE … RETURNING has no order: the entries come back in the order they were added, as on SQLite. */
    take: (list, articleId) =>
      rows<PendingLinks>(
        q,
        `WITH taken AS (DELETE FROM import_pending_links WHERE list = $1 AND article_id = $2 RETURNING position, ${PENDING_COLUMNS})
         SELECT "articleId", line, status, "externalId", slug, links FROM taken ORDER BY position`,
        [list, articleId],
      ),
    async drop(list) {
      await q.query('DELETE FROM import_pending_links WHERE list = $1', [list]);
    },
  };
}
