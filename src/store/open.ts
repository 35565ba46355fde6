import type { Store } from './port.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/store.js';

export type StoreConfig = { databasePath: string } & SqliteStoreOptions;

/**
 * Opens the store the configuration names, migrated, for the composition roots (the server and
 * the CLI commands). `fresh`: the database was new (a first run). Only SQLite so far.
 */
export async function openStore(config: StoreConfig): Promise<{ store: Store; fresh: boolean }> {
  const { databasePath, ...options } = config;
  return openSqliteStore(databasePath, options);
}

/** Online backup and restore of the configured store (`masthead backup` / `restore`); SQLite's for now. */
export { checkDatabaseFile, copyDatabase, restoreDatabase } from './sqlite/backup.js';
