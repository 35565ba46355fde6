import { positionKey, type ChangeFeedRepo, type FeedEvent, type FeedLag, type FeedPosition, type Visibility } from '../port.js';
import { row, rows, type Queryable } from './query.js';

/**
 * Where the feed stops: every transaction with an id below this one has ended (committed or rolled
 * back), so every event written below it is either visible to this statement or never will be.
 * xid8 is cluster-wide, and so is the fence: a writing transaction left open in any database of
 * the server holds it back (the pool's idle-in-transaction timeout bounds Masthead's own).
 */
const FENCE = 'pg_snapshot_xmin(pg_current_snapshot())';

/** xid8 arrives as text; every xid of a real server (epoch · 2^32 + xid) is far below 2^53. */
const XID = 'change_events.xid::text::int8';

type Pair = { xid: number; cursor: number };

/** The feed's start (0) or a position it handed out; the API checks `owns` first, so anything else is a caller's bug. */
function pairOf(position: FeedPosition): Pair {
  if (position === 0) return { xid: 0, cursor: 0 };
  if (typeof position === 'number') throw new Error('not a position of the PostgreSQL change feed');
  return position;
}

/** Builds `$n` placeholders as values are added, so that the filters' shapes can vary. */
function binder(values: unknown[]) {
  return (value: unknown) => `$${values.push(value)}`;
}

/** Whether a partner key's sections and sources take in the article's filing (sections and sources are public). */
function scope(viewer: Visibility, prefix: '' | 'prev_', bind: (value: unknown) => string): string {
  const parts: string[] = [];
  if (viewer.sectionIds) parts.push(`${prefix}section_id = ANY(${bind(viewer.sectionIds)}::int8[])`);
  if (viewer.sourceIds) parts.push(`${prefix}source_id = ANY(${bind(viewer.sourceIds)}::int8[])`);
  if (parts.length === 0) return 'TRUE';
  return `(resource IN ('section', 'source') OR (${parts.join(' AND ')}))`;
}

/** The longest a read of the feed waits for transactions older than what was committed when it began (ms). */
export const SETTLE_WAIT_MS = 1000;
const SETTLE_POLL_MS = 2;

/**
 * Read-your-writes for the feed: an event committed before the read began but held behind the
 * fence by an older transaction still running (another writer's, an autovacuum's, in any
 * database) is waited for, briefly, so that a partner that just wrote, or was told of a write,
 * finds its event. Only what was committed when the read began counts, so a steady stream of
 * new commits cannot keep a reader waiting; past SETTLE_WAIT_MS (a long transaction somewhere)
 * the read serves what is below the fence and the rest comes on a later read.
 */
async function settle(q: Queryable, waitMs: number): Promise<void> {
  const [latest] = await rows<{ xid: string | null; held: boolean | null }>(q, `SELECT max(xid)::text AS xid, max(xid) >= ${FENCE} AS held FROM change_events`);
  if (!latest?.held) return;
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    const [passed] = await rows<{ passed: boolean }>(q, `SELECT ${FENCE} > $1::xid8 AS passed`, [latest.xid]);
    if (passed?.passed) return;
  }
}

type Raw = Omit<FeedEvent, 'position'> & { xid: number | null; cursor: number | null; headXid: number; headCursor: number };

/**
 * Reading change_events for one viewer, as src/store/sqlite/feed.ts does, in commit order where
 * SQLite's cursor is commit order only because there is one writer. Here the cursor is taken at
 * insert, and a transaction that took cursor 10 may commit after one that took 11: a reader
 * paging `cursor > n` would step past 10 for good (measured: ~13 % of events lost at 8 writers).
 * So the feed serves only the events below the fence (their transactions have all ended), in
 * (xid, cursor) order — the order of the change_events_xid_idx index — and a position is that
 * pair: an event that commits late has an xid above the fence until it commits, and the fence
 * never passes a transaction still running, so nothing can land behind a position handed out.
 *
 * The page and the head come from one statement, hence one snapshot and one fence: the head is
 * never beyond what the page could have seen. An event is served once its transaction and every
 * older one have ended: a long transaction delays the feed (never reorders or loses it).
 */
export function createChangeFeedRepo(q: Queryable, { settleWaitMs = SETTLE_WAIT_MS }: { settleWaitMs?: number } = {}): ChangeFeedRepo {
  async function read(since: FeedPosition, limit: number, viewer: Visibility): Promise<{ events: FeedEvent[]; head: FeedPosition }> {
    const from = pairOf(since);
    await settle(q, settleWaitMs);
    const values: unknown[] = [];
    const bind = binder(values);
    let op = 'op';
    let visible = 'TRUE';
    if (!viewer.editor) {
      const va = `(reader_after AND ${scope(viewer, '', bind)})`;
      const vb = `(reader_before AND ${scope(viewer, 'prev_', bind)})`;
      op = `CASE WHEN ${va} THEN (CASE WHEN ${vb} THEN 'update' ELSE 'create' END) ELSE 'delete' END`;
      visible = `(${va} OR ${vb})`;
    }
    const text = `WITH fence AS MATERIALIZED (SELECT ${FENCE} AS x),
      head AS (
        SELECT ${XID} AS xid, change_events.cursor FROM change_events
        WHERE change_events.xid < (SELECT x FROM fence) ORDER BY change_events.xid DESC, change_events.cursor DESC LIMIT 1),
      page AS (
        SELECT ${XID} AS xid, change_events.cursor, resource, resource_id AS id, article_id AS "articleId", ${op} AS op, at FROM change_events
        WHERE change_events.xid < (SELECT x FROM fence) AND (change_events.xid, change_events.cursor) > (${bind(String(from.xid))}::xid8, ${bind(from.cursor)}::int8)
          AND ${visible}
        ORDER BY change_events.xid, change_events.cursor LIMIT ${bind(limit)})
      SELECT page.*, head.xid AS "headXid", head.cursor AS "headCursor" FROM head LEFT JOIN page ON TRUE ORDER BY page.xid, page.cursor`;
    const found = await rows<Raw>(q, text, values);
    // No row: nothing below the fence at all. One row of nulls: a head, but no event for this page.
    if (found.length === 0) return { events: [], head: 0 };
    const head = { xid: found[0]!.headXid, cursor: found[0]!.headCursor };
    const events = found
      .filter((r) => r.cursor !== null)
      .map((r): FeedEvent => ({ position: { xid: r.xid!, cursor: r.cursor! }, resource: r.resource, id: r.id, articleId: r.articleId, op: r.op, at: r.at }));
    return { events, head };
  }

  return {
    async head() {
      await settle(q, settleWaitMs);
      const found = await rows<Pair>(
        q,
        `SELECT ${XID} AS xid, change_events.cursor FROM change_events WHERE change_events.xid < ${FENCE}
         ORDER BY change_events.xid DESC, change_events.cursor DESC LIMIT 1`,
      );
      return found[0] ?? 0;
    },
    read,
    owns: (position) => position === 0 || typeof position === 'object',
    async resolve(position) {
      if (position === 0) return 0;
      const here = await row<Pair>(q, `SELECT ${XID} AS xid, change_events.cursor FROM change_events WHERE origin = $1`, [positionKey(position)]);
      return here ?? (typeof position === 'object' ? position : undefined);
    },
    /**
     * The events behind the fence are committed ones only (an open transaction's are not visible);
     * the oldest write is the server's, every database included, as far as this role may see
     * (pg_stat_activity shows other roles' sessions to superusers and pg_read_all_stats only).
     */
    async lag() {
      const found = await rows<FeedLag>(
        q,
        `SELECT (SELECT count(*) FROM (SELECT 1 FROM change_events WHERE xid >= ${FENCE} LIMIT 10001) held)::int AS "heldBack",
           (SELECT (extract(epoch FROM clock_timestamp() - min(xact_start)) * 1000)::int8 FROM pg_stat_activity
             WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()) AS "oldestWriteMs"`,
      );
      return found[0]!;
    },
  };
}
