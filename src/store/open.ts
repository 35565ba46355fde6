import type { Store } from './port.js';
import { describe } from './postgres/connection.js';
import { openPostgresStore } from './postgres/store.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/store.js';

/** PostgreSQL's part of the configuration (src/config.ts): its URL, connections per process, the statement timeout. */
export type PostgresConfig = { url: string; poolSize: number; statementTimeoutMs: number; connectTimeoutMs?: number; searchIndex?: 'auto' | 'gin' };

/** The store a configuration names, for messages: the SQLite file, or PostgreSQL's host, port and database (never a password). */
export const storeName = (config: StoreConfig): string => (config.postgres ? `PostgreSQL ${describe(config.postgres.url)}` : config.databasePath);

/** Which store: PostgreSQL when `postgres` is given, else the SQLite file at `databasePath`. */
export type StoreConfig = { databasePath: string; postgres?: PostgresConfig | null } & SqliteStoreOptions;

/** A line for the start-up log about the store (PostgreSQL: whether search has the RUM index). */
export type StoreNotice = { level: 'info' | 'warn'; message: string };

/**
 * Opens the store the configuration names, migrated, for the composition roots (the server and
 * the CLI commands). `fresh`: the database was new (a first run); `notices`: what start-up logs.
 */
export async function openStore(config: StoreConfig): Promise<{ store: Store; fresh: boolean; notices: StoreNotice[] }> {
  const { databasePath, postgres, ...options } = config;
  if (postgres) {
    const { store, fresh, search } = await openPostgresStore(postgres.url, {
      poolSize: postgres.poolSize,
      statementTimeoutMs: postgres.statementTimeoutMs,
      ...(postgres.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: postgres.connectTimeoutMs }),
      ...(postgres.searchIndex === undefined ? {} : { searchIndex: postgres.searchIndex }),
    });
    return { store, fresh, notices: [{ level: search.level, message: search.message }] };
  }
  return { ...openSqliteStore(databasePath, options), notices: [] };
}


/** Online backup and restore of the configured store (`masthead backup` / `restore`); SQLite's for now. */
export { checkDatabaseFile, copyDatabase, restoreDatabase } from './sqlite/backup.js';
