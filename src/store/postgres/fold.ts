import type pg from 'pg';
import { compactSearchIndex, REINDEX_LOCK, RebuildStopped } from './reindex.js';

/**
 * Folding pending search entries into the RUM index (issue #14), off the writers' path.
 *
 * RUM's upkeep is what made writes slow on PostgreSQL: about 20 ms of the server's CPU for each
 * entry put, however the puts are grouped, which held an import to about 35 articles a second.
 * So where search ranks with RUM, a write leaves its entry pending (schema.ts articleSearch): out
 * of the RUM index, in a small GIN index of pending entries instead (about 1 ms), and searches read
 * both (search.ts). A serving node then folds the pending entries into RUM a few at a time: each
 * fold is one short transaction that marks them not pending, which is when RUM takes them in.
 *
 * - One node folds at a time (a transaction-level advisory lock, tried, never waited for): RUM
 *   inserts of several nodes at once would only contend for the same pages.
 * - A fold skips entries a writer holds (FOR UPDATE SKIP LOCKED) and locks the ones it takes for
 *   a few tens of milliseconds; a write that comes meanwhile waits for it, then leaves its new
 *   entry pending again. An entry is whole at every moment, pending or not: nothing is lost.
 * - It rests as long as it worked (half of one server backend at most), and a second when there
 *   is nothing to fold, so that an import beside it keeps most of the server.
 * - Many pending entries (an import of thousands): folded one by one they would take minutes
 *   (20k: about 13), and until then searches read them the slow way (all 20k pending: a frequent
 *   term 400 ms instead of 26). So once writes have paused (as many pending as at the last count,
 *   or fewer) and at least COMPACT_AT entries and COMPACT_SHARE of all are pending, the folder
 *   compacts instead: the index rebuilt beside the live one from the entries as they are, none
 *   pending, and swapped in (reindex.ts), one RUM build for all of them.
 * - Folding and compacting wait while a reindex or a compaction runs (its lock): the index they
 *   would fold into is about to be replaced.
 */

/** One fold at a time on a database (the project's advisory locks: 'mast' and a number, connection.ts). */
export const FOLD_LOCK = 0x6d617374_0005n;
/** Entries per fold: about 20 ms each with RUM, so a fold holds its rows, and the change feed's fence, for under 0.1 s. */
export const FOLD_BATCH = 4;
const IDLE_MS = 1000;
/** After a failure (a lost server): the next try. */
const FAILED_MS = 5000;
/** How often the folder counts the pending entries, to choose between folding and compacting. */
const COUNT_MS = 5000;
export const COMPACT_AT = 1000;
export const COMPACT_SHARE = 0.05;

/**
 * One fold: up to `batch` pending entries, oldest article first, marked not pending, so that RUM
 * takes them in. How many it folded; null when another node is folding now, or a reindex runs.
 */
export async function foldPending(pool: pg.Pool, batch = FOLD_BATCH): Promise<number | null> {
  // One statement, its own transaction: the locks are taken first (a one-time filter), and end with it.
  const { rows } = await pool.query<{ ours: boolean; folded: number }>(
    `WITH lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock(${FOLD_LOCK}) AND pg_try_advisory_xact_lock_shared(${REINDEX_LOCK}) AS ours),
          folded AS (
            UPDATE article_search SET pending = false
             WHERE (SELECT ours FROM lock)
               AND article_id IN (SELECT article_id FROM article_search WHERE pending ORDER BY article_id LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING 1)
     SELECT (SELECT ours FROM lock) AS ours, (SELECT count(*)::int FROM folded) AS folded`,
    [batch],
  );
  return rows[0]!.ours ? rows[0]!.folded : null;
}

/** How many entries are pending, and how many there are in all (the planner's estimate: no count of the whole table). */
async function counted(pool: pg.Pool): Promise<{ pending: number; total: number }> {
  const { rows } = await pool.query<{ pending: string; total: string }>(
    "SELECT (SELECT count(*) FROM article_search WHERE pending) AS pending, (SELECT greatest(reltuples, 0)::int8 FROM pg_class WHERE oid = 'article_search'::regclass) AS total",
  );
  return { pending: Number(rows[0]!.pending), total: Number(rows[0]!.total) };
}

/** Whether to compact now: many pending, and no more than at the last count (writes have paused). */
export const shouldCompact = (now: { pending: number; total: number }, before: number | null): boolean =>
  now.pending >= COMPACT_AT && now.pending >= COMPACT_SHARE * now.total && before !== null && now.pending <= before;

export type Folding = { stop(): Promise<void> };

/**
 * Folds pending entries, or compacts them (see above), for as long as the store is open. `failed`
 * hears each failure; folding goes on after a pause. stop() waits for the fold in progress, and
 * stops a compaction under way (its statement cancelled; the live index stays as it was, and what
 * the compaction leaves the next one clears).
 */
export function startFolding(pool: pg.Pool, failed: (error: Error) => void): Folding {
  let stopped = false;
  const stopping = new AbortController();
  let wake: (() => void) | undefined;
  const rest = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  let countedAt = -Infinity;
  let before: number | null = null;
  const running = (async () => {
    while (!stopped) {
      const started = performance.now();
      let pause: number;
      try {
        if (started - countedAt >= COUNT_MS) {
          countedAt = started;
          const now = await counted(pool);
          const compact = shouldCompact(now, before);
          before = now.pending;
          if (compact && (await compactSearchIndex(pool, { signal: stopping.signal }))) before = null;
        }
        const folded = await foldPending(pool);
        pause = folded ? Math.max(1, performance.now() - started) : IDLE_MS;
      } catch (error) {
        if (stopped || error instanceof RebuildStopped) break;
        failed(error as Error);
        pause = FAILED_MS;
      }
      if (!stopped) await rest(pause);
    }
  })();
  return {
    async stop() {
      stopped = true;
      stopping.abort();
      wake?.();
      await running;
    },
  };
}
