import type { Store } from './port.js';
import { describe } from './postgres/connection.js';
import { openPostgresStore } from './postgres/store.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/store.js';

/** PostgreSQL's part of the configuration (src/config.ts): its URL, connections per process, the statement timeout. */
export type PostgresConfig = { url: string; poolSize: number; statementTimeoutMs: number };

/** The store a configuration names, for messages: the SQLite file, or PostgreSQL's host, port and database (never a password). */
export const storeName = (config: StoreConfig): string => (config.postgres ? `PostgreSQL ${describe(config.postgres.url)}` : config.databasePath);

/** Which store: PostgreSQL when `postgres` is given, else the SQLite file at `databasePath`. */
export type StoreConfig = { databasePath: string; postgres?: PostgresConfig | null } & SqliteStoreOptions;

/**
 * Opens the store the configuration names, migrated, for the composition roots (the server and
 * the CLI commands). `fresh`: the database was new (a first run).
 */
export async function openStore(config: StoreConfig): Promise<{ store: Store; fresh: boolean }> {
  const { databasePath, postgres, ...options } = config;
  if (postgres) return openPostgresStore(postgres.url, { poolSize: postgres.poolSize, statementTimeoutMs: postgres.statementTimeoutMs });
  return openSqliteStore(databasePath, options);
}


/** Online backup and restore of the configured store (`masthead backup` / `restore`); SQLite's for now. */
export { checkDatabaseFile, copyDatabase, restoreDatabase } from './sqlite/backup.js';
