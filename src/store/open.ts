import type { CheckOptions, CheckReport, Store, ThreadTarget } from './port.js';
import { checkPostgresDatabase } from './postgres/check.js';
import { describe } from './postgres/connection.js';
import { openPostgresStore } from './postgres/store.js';
import { checkSqliteFile } from './sqlite/check.js';
import { migrateFile } from './sqlite/connection.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/store.js';

/** PostgreSQL's part of the configuration (src/config.ts): its URL, connections per process, the statement timeout. */
export type PostgresConfig = {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  connectTimeoutMs?: number;
  searchIndex?: 'auto' | 'gin';
  /** A streaming replica for anonymous readers' lists, search, feeds and sitemaps, and how far behind the primary it may be. */
  replica?: { url: string; maxLagMs: number } | null;
};

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
    const { store, fresh, search, replica } = await openPostgresStore(postgres.url, {
      poolSize: postgres.poolSize,
      statementTimeoutMs: postgres.statementTimeoutMs,
      ...(postgres.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: postgres.connectTimeoutMs }),
      ...(postgres.searchIndex === undefined ? {} : { searchIndex: postgres.searchIndex }),
      replica: postgres.replica ?? null,
    });
    const notices: StoreNotice[] = [{ level: search.level, message: search.message }];
    const status = store.replica?.status();
    if (status && postgres.replica) {
      const bound = `at most ${postgres.replica.maxLagMs} ms behind`;
      notices.push(
        status.serving
          ? { level: 'info', message: `read replica at ${replica}: answers anonymous readers' lists, search, feeds and sitemaps while ${bound}` }
          : { level: 'warn', message: `read replica at ${replica} ${status.reason}: readers go to the primary until it is ${bound}` },
      );
    }
    return { store, fresh, notices };
  }
  return { ...openSqliteStore(databasePath, options), notices: [] };
}

/**
 * Applies the pending migrations of the store the configuration names (`masthead migrate`), then
 * lets it go. SQLite: the file alone, opened and closed; PostgreSQL: the store, opened as the
 * server opens it (the same lock, and the notices start-up logs), then closed.
 */
export async function migrateStore(config: StoreConfig): Promise<{ fresh: boolean; notices: StoreNotice[] }> {
  if (!config.postgres) return { ...migrateFile(config.databasePath), notices: [] };
  const { store, fresh, notices } = await openStore(config);
  await store.close();
  return { fresh, notices };
}

/** Opens, inside a worker thread, the store another thread's Store.thread names (already migrated). */
export const openThreadStore = async (target: ThreadTarget): Promise<Store> => (await openStore({ databasePath: target.file })).store;


/** Online backup and restore of the configured store (`masthead backup` / `restore`); SQLite's for now. */
export { checkDatabaseFile, copyDatabase, restoreDatabase } from './sqlite/backup.js';

/**
 * The full integrity check of the configured store (`masthead check`): the database's own checks
 * of its pages and indexes, then Masthead's rules. Each adapter opens a connection of its own that
 * neither migrates nor writes (a check must not change what it examines, and must be able to look
 * at a database of another version), so it is no method of an open Store.
 */
export const checkStore = (config: StoreConfig & { file?: string }, options: CheckOptions): Promise<CheckReport> =>
  config.postgres
    ? checkPostgresDatabase(config.postgres.url, { ...options, ...(config.postgres.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: config.postgres.connectTimeoutMs }) })
    : checkSqliteFile(config.file ?? config.databasePath, options);
