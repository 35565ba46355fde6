import { toIso } from '../common/time.js';
import type { Db } from '../store/sqlite/connection.js';
import type { Viewer } from '../articles/visibility.js';
import { encodePosition } from './cursor.js';
import type { ChangeEventDto } from './schemas.js';

type EventRow = { cursor: number; resource: ChangeEventDto['resource']; id: number; articleId: number | null; op: ChangeEventDto['op']; at: number };

const inList = (column: string, ids: number[]) => (ids.length === 0 ? '0' : `${column} IN (${ids.map(() => '?').join(',')})`);

/** Whether a partner key's sections and sources take in the article's filing (sections and sources are public). */
function scope(viewer: Viewer, prefix: '' | 'prev_'): { sql: string; params: number[] } {
  const parts: string[] = [];
  const params: number[] = [];
  if (viewer.sectionIds) parts.push(inList(`${prefix}section_id`, viewer.sectionIds)), params.push(...viewer.sectionIds);
  if (viewer.sourceIds) parts.push(inList(`${prefix}source_id`, viewer.sourceIds)), params.push(...viewer.sourceIds);
  if (parts.length === 0) return { sql: '1', params };
  return { sql: `(resource IN ('section', 'source') OR (${parts.join(' AND ')}))`, params };
}

/**
 * Reading the change feed. Editors get every event as written. Readers get the events of what
 * they may see, with the op as it looks from where they stand: an article (or link) entering
 * their view is a create, one leaving it (unpublished, trashed, moved out of a partner's
 * sections) a delete, and events about things they never see are left out.
 */
export function createChangeFeed(db: Db, publishDue: () => Promise<number>) {
  const sqlite = db.$client;
  const headStmt = sqlite.prepare('SELECT coalesce(max(cursor), 0) AS c FROM change_events');
  const editorStmt = sqlite.prepare('SELECT cursor, resource, resource_id AS id, article_id AS articleId, op, at FROM change_events WHERE cursor > ? ORDER BY cursor LIMIT ?');

  function readerRows(viewer: Viewer, since: number, limit: number): EventRow[] {
    const after = scope(viewer, '');
    const before = scope(viewer, 'prev_');
    const va = `(reader_after = 1 AND ${after.sql})`;
    const vb = `(reader_before = 1 AND ${before.sql})`;
    const query = `SELECT cursor, resource, resource_id AS id, article_id AS articleId,
        CASE WHEN ${va} THEN (CASE WHEN ${vb} THEN 'update' ELSE 'create' END) ELSE 'delete' END AS op, at
      FROM change_events WHERE cursor > ? AND (${va} OR ${vb}) ORDER BY cursor LIMIT ?`;
    const p = [...after.params, ...before.params];
    return sqlite.prepare(query).all(...p, since, ...p, limit) as EventRow[];
  }

  return {
    /** The position of the latest event: a partner starting now reads from here. */
    async head(): Promise<string> {
      await publishDue();
      return encodePosition((headStmt.get() as { c: number }).c);
    },

    /**
     * Events after `since`, oldest first. nextCursor is never null: it is where to read next —
     * the last event of a full page, or the head when the page is not full (so that trailing
     * events this viewer may not see are not scanned again).
     */
    async list(since: number, limit: number, viewer: Viewer): Promise<{ data: ChangeEventDto[]; nextCursor: string; hasMore: boolean }> {
      await publishDue();
      return db.transaction(() => {
        const rows = viewer.editor ? (editorStmt.all(since, limit) as EventRow[]) : readerRows(viewer, since, limit);
        const full = rows.length === limit;
        const last = full ? rows[rows.length - 1]!.cursor : Math.max(since, (headStmt.get() as { c: number }).c);
        const data = rows.map((r) => ({ cursor: encodePosition(r.cursor), resource: r.resource, id: r.id, articleId: r.resource === 'relatedLink' ? r.articleId : null, op: r.op, at: toIso(r.at) }));
        return { data, nextCursor: encodePosition(last), hasMore: full };
      });
    },
  };
}

export type ChangeFeed = ReturnType<typeof createChangeFeed>;
