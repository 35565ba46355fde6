import type Database from 'better-sqlite3';

/** SQLite's answer when another connection (an import's thread) holds the write lock. */
export const isBusy = (error: unknown) => {
  const code = (error as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
};

/**
 * Runs `fn` with the connection's busy timeout at 0: a write that finds the lock taken fails at
 * once with SQLITE_BUSY instead of sleeping inside SQLite, on the request loop, until the holder
 * (an import's thread, in the middle of a batch) commits. For background writes (lastUsedAt,
 * the webhook worker's bookkeeping) that can simply try again later. Synchronous, so nothing else
 * runs on this connection while the timeout is lowered.
 */
export function withoutWaiting<T>(sqlite: Database.Database, fn: () => T): T {
  const timeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
  sqlite.pragma('busy_timeout = 0');
  try {
    return fn();
  } finally {
    sqlite.pragma(`busy_timeout = ${timeout}`);
  }
}
