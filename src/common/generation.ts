import type { Db } from '../store/sqlite/connection.js';

/**
 * A number that changes whenever an answer built from content may have changed (search hits,
 * article lists): the write listeners wired in src/stores.ts bump it inside every article, section
 * and source write (hits and embeds carry sections' and sources' names; a related link's change
 * touches its article), and SQLite's data_version moves when another process (an import
 * or `masthead reindex` from the command line) commits to the same file. Bumping inside a
 * transaction that is later rolled back only costs a cache miss.
 */
export function createContentGeneration(db: Db) {
  const dataVersion = db.$client.prepare('PRAGMA data_version').pluck();
  let local = 0;
  let seenVersion: unknown = dataVersion.get();
  return {
    /** A write listener: takes any arguments, so it fits every store's listener list. */
    bump: (): void => {
      local++;
    },
    current: (): number => {
      const version = dataVersion.get();
      if (version !== seenVersion) {
        seenVersion = version;
        local++;
      }
      return local;
    },
  };
}

export type ContentGeneration = ReturnType<typeof createContentGeneration>;
