import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { StoreUnusable } from '../port.js';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** src/store/sqlite/ and dist/store/sqlite/ both sit three levels below the project root, beside migrations/. */
export const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../../migrations/sqlite');

export type OpenOptions = {
  /**
   * SQLite's own page cache in MiB (default 32, for bulk imports and exports). The server asks for
   * less: the operating system caches the file as well, so a large cache mostly holds pages twice.
   */
  cacheMiB?: number;
  /** A second connection that only reads (the store's reader): it sees committed data only. */
  readonly?: boolean;
};

/** Opens (and creates) the database file with the pragmas Masthead relies on. */
export function openDatabase(path: string, { cacheMiB = 32, readonly = false }: OpenOptions = {}): Db {
  if (readonly) {
    const sqlite = new Database(path, { readonly: true, fileMustExist: true });
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma(`cache_size = ${-Math.round(cacheMiB * 1024)}`);
    return drizzle(sqlite, { schema }) as Db;
  }
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma(`cache_size = ${-Math.round(cacheMiB * 1024)}`);
  return drizzle(sqlite, { schema }) as Db;
}

/** Applies pending migrations; returns true when the database was empty before (a first run). */
export function migrateDatabase(db: Db): { fresh: boolean } {
  const fresh =
    db.$client.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'articles'").get() as {
      n: number;
    };
  // A migration that rebuilds a table (0004) must run with foreign keys off, or dropping the old
  // table would cascade to every row that references it; they are checked once it is done.
  db.$client.pragma('foreign_keys = OFF');
  try {
    const before = appliedMigrations(db);
    refuseNewer(db);
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    // The check reads every referencing row (at 100k articles 0.24 s, and it fills the page cache):
    // worth it after a migration ran, not on every start.
    if (appliedMigrations(db) > before) {
      const broken = db.$client.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`migrations left ${broken.length} broken foreign keys, e.g. ${JSON.stringify(broken[0])}`);
    }
  } finally {
    db.$client.pragma('foreign_keys = ON');
  }
  return { fresh: fresh.n === 0 };
}

/** Opens the file, applies pending migrations and closes it (`masthead migrate`): no store, so no reader connection or search threads. */
export function migrateFile(path: string): { fresh: boolean } {
  const db = openDatabase(path);
  try {
    return migrateDatabase(db);
  } finally {
    db.$client.close();
  }
}

/** How many migrations drizzle has recorded (its journal table exists once the first has run). */
function appliedMigrations(db: Db): number {
  const journal = db.$client.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").pluck().get() as number;
  return journal === 0 ? 0 : (db.$client.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get() as number);
}

/**
 * A database migrated by a newer Masthead holds tables and columns this build does not know:
 * writing it could lose data, so start-up stops and says which migration it found.
 */
function refuseNewer(db: Db): void {
  const journal = db.$client.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").pluck().get() as number;
  if (journal === 0) return;
  const latest = db.$client.prepare('SELECT max(created_at) FROM __drizzle_migrations').pluck().get() as number | null;
  const known = (JSON.parse(readFileSync(resolve(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] }).entries;
  const last = known[known.length - 1]!;
  if (latest !== null && latest > last.when) {
    const name = db.$client.name;
    throw new StoreUnusable(
      `${name}: the database was migrated by a newer Masthead (a migration of ${new Date(latest).toISOString()}; this build knows up to ${last.tag}); run the newer version, or restore a backup made for this one`,
    );
  }
}
