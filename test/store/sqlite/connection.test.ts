// SQLite-specific: tests of the SQLite adapter itself: pragmas, foreign keys, the connection.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { MIGRATIONS_FOLDER, migrateDatabase, openDatabase } from '../../../src/store/sqlite/connection.js';

/** The migrations folder without its last migration, to build a database that still has one to apply. */
function allButLastMigration(): string {
  const dir = mkdtempSync(join(tmpdir(), 'masthead-migrations-'));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: unknown[] };
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, -1) }));
  return dir;
}

/** A related link whose article does not exist, written with foreign keys off. */
function breakAForeignKey(db: ReturnType<typeof openDatabase>): void {
  db.$client.pragma('foreign_keys = OFF');
  db.$client.exec(`INSERT INTO related_links (article_id, url, title, position, created_at, updated_at) VALUES (999, 'https://example.com', 'x', 0, 1, 1)`);
  db.$client.pragma('foreign_keys = ON');
}

t.test('the page cache is the size asked for, 32 MiB unless told', async (t) => {
  t.equal(openDatabase(':memory:').$client.pragma('cache_size', { simple: true }), -32 * 1024);
  t.equal(openDatabase(':memory:', { cacheMiB: 8 }).$client.pragma('cache_size', { simple: true }), -8 * 1024);
});

t.test('foreign keys are checked after a migration ran', async (t) => {
  const folder = allButLastMigration();
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  const db = openDatabase(':memory:');
  migrate(db, { migrationsFolder: folder });
  breakAForeignKey(db);
  t.throws(() => migrateDatabase(db), /migrations left 1 broken foreign keys/);
  t.equal(db.$client.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are on again');
});

t.test('a start with nothing to migrate does not read every reference', async (t) => {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  breakAForeignKey(db);
  t.same(migrateDatabase(db), { fresh: false }, 'no migration ran, so no full check (it costs 0.24 s at 100k articles)');
});
