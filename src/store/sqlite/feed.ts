import { positionKey, type ChangeFeedRepo, type FeedEvent, type FeedPosition, type Visibility } from '../port.js';
import type { Db } from './connection.js';

const inList = (column: string, ids: number[]) => (ids.length === 0 ? '0' : `${column} IN (${ids.map(() => '?').join(',')})`);

/** Whether a partner key's sections and sources take in the article's filing (sections and sources are public). */
function scope(viewer: Visibility, prefix: '' | 'prev_'): { sql: string; params: number[] } {
  const parts: string[] = [];
  const params: number[] = [];
  if (viewer.sectionIds) parts.push(inList(`${prefix}section_id`, viewer.sectionIds)), params.push(...viewer.sectionIds);
  if (viewer.sourceIds) parts.push(inList(`${prefix}source_id`, viewer.sourceIds)), params.push(...viewer.sourceIds);
  if (parts.length === 0) return { sql: '1', params };
  return { sql: `(resource IN ('section', 'source') OR (${parts.join(' AND ')}))`, params };
}

/**
 * Reading change_events for one viewer. On SQLite the cursor is commit order (one writer), so a
 * position is the cursor itself. A reader's events are the rows where it could see the article
 * before or after the change (reader_before, reader_after, and the filing for partner keys), the
 * op recomputed from where it stands.
 */
/** A position of this feed is a number; the API checks `owns` first, so anything else is a caller's bug. */
function cursorOf(position: FeedPosition): number {
  if (typeof position !== 'number') throw new Error('not a position of the SQLite change feed');
  return position;
}

export function createChangeFeedRepo(db: Db): ChangeFeedRepo {
  const sqlite = db.$client;
  const headStmt = sqlite.prepare('SELECT coalesce(max(cursor), 0) FROM change_events').pluck();
  const originStmt = sqlite.prepare('SELECT cursor FROM change_events WHERE origin = ?').pluck();
  const editorStmt = sqlite.prepare('SELECT cursor AS position, resource, resource_id AS id, article_id AS articleId, op, at FROM change_events WHERE cursor > ? ORDER BY cursor LIMIT ?');

  function readerRows(viewer: Visibility, since: number, limit: number): FeedEvent[] {
    const after = scope(viewer, '');
    const before = scope(viewer, 'prev_');
    const va = `(reader_after = 1 AND ${after.sql})`;
    const vb = `(reader_before = 1 AND ${before.sql})`;
    const query = `SELECT cursor AS position, resource, resource_id AS id, article_id AS articleId,
        CASE WHEN ${va} THEN (CASE WHEN ${vb} THEN 'update' ELSE 'create' END) ELSE 'delete' END AS op, at
      FROM change_events WHERE cursor > ? AND (${va} OR ${vb}) ORDER BY cursor LIMIT ?`;
    const p = [...after.params, ...before.params];
    return sqlite.prepare(query).all(...p, since, ...p, limit) as FeedEvent[];
  }

  // The page and the head in one read transaction: both see the same commits.
  const read = sqlite.transaction((since: number, limit: number, viewer: Visibility) => ({
    events: viewer.editor ? (editorStmt.all(since, limit) as FeedEvent[]) : readerRows(viewer, since, limit),
    head: headStmt.get() as number,
  }));

  return {
    head: async () => headStmt.get() as number,
    read: async (since, limit, viewer) => read(cursorOf(since), limit, viewer),
    owns: (position) => typeof position === 'number',
    async resolve(position) {
      if (position === 0) return 0;
      const here = originStmt.get(positionKey(position)) as number | undefined;
      return here ?? (typeof position === 'number' ? position : undefined);
    },
    // One writer at a time, and the cursor is taken in commit order: nothing is ever held back.
    lag: async () => ({ heldBack: 0, oldestWriteMs: null }),
  };
}
