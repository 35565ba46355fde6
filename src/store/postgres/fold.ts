import type pg from 'pg';

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
 */

/** One fold at a time on a database (the project's advisory locks: 'mast' and a number, connection.ts). */
export const FOLD_LOCK = 0x6d617374_0005n;
/** Entries per fold: about 20 ms each with RUM, so a fold holds its rows, and the change feed's fence, for under 0.1 s. */
export const FOLD_BATCH = 4;
const IDLE_MS = 1000;
/** After a failure (a lost server): the next try. */
const FAILED_MS = 5000;

/**
 * One fold: up to `batch` pending entries, oldest article first, marked not pending, so that RUM
 * takes them in. How many it folded; null when another node is folding now.
 */
export async function foldPending(pool: pg.Pool, batch = FOLD_BATCH): Promise<number | null> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const lost = (error: Error) => void (broken = error);
  client.on('error', lost);
  try {
    await client.query('BEGIN');
    try {
      const [{ ours }] = (await client.query<{ ours: boolean }>(`SELECT pg_try_advisory_xact_lock(${FOLD_LOCK}) AS ours`)).rows as [{ ours: boolean }];
      if (!ours) {
        await client.query('ROLLBACK');
        return null;
      }
      const folded = await client.query(
        `UPDATE article_search SET pending = false
          WHERE article_id IN (SELECT article_id FROM article_search WHERE pending ORDER BY article_id LIMIT $1 FOR UPDATE SKIP LOCKED)`,
        [batch],
      );
      await client.query('COMMIT');
      return folded.rowCount ?? 0;
    } catch (error) {
      await client.query('ROLLBACK').catch((e: Error) => void (broken ??= e));
      throw error;
    }
  } finally {
    client.removeListener('error', lost);
    client.release(broken);
  }
}

export type Folding = { stop(): Promise<void> };

/**
 * Folds pending entries for as long as the store is open (see above). `failed` hears each failure;
 * folding goes on after a pause. stop() waits for the fold in progress.
 */
export function startFolding(pool: pg.Pool, failed: (error: Error) => void): Folding {
  let stopped = false;
  let wake: (() => void) | undefined;
  const rest = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const running = (async () => {
    while (!stopped) {
      const started = performance.now();
      let pause: number;
      try {
        const folded = await foldPending(pool);
        pause = folded ? Math.max(1, performance.now() - started) : IDLE_MS;
      } catch (error) {
        if (stopped) break;
        failed(error as Error);
        pause = FAILED_MS;
      }
      if (!stopped) await rest(pause);
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await running;
    },
  };
}
