// SQLite-specific: tests of the SQLite migrations and the schema they leave.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { MIGRATIONS_FOLDER, migrateDatabase, openDatabase } from '../../../src/store/sqlite/connection.js';

/** The migrations folder as it was before `tag` (the journal cut there), to build an older database. */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'masthead-migrations-'));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const cut = journal.entries.findIndex((e) => e.tag === tag);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }));
  return dir;
}

t.test('0004 rebuilds articles with the body last and keeps rows, ids, references and indexes', async (t) => {
  const folder = migrationsBefore('0004_articles_column_order');
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  const db = openDatabase(':memory:');
  migrate(db, { migrationsFolder: folder });
  const sql = db.$client;
  const columns = () => (sql.pragma('table_info(articles)') as { name: string }[]).map((c) => c.name);
  t.equal(columns().indexOf('body'), 5, 'the old layout has the body in the middle');

  sql.exec(`INSERT INTO sections (id, slug, name, created_at, updated_at) VALUES (1, 'tianjin', '天津', 1, 1)`);
  const insert = sql.prepare(
    `INSERT INTO articles (id, slug, title, body, body_text, section_id, tags, status, published_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, 'published', 5, 1, 2)`,
  );
  const body = `<p>${'京津冀协同发展'.repeat(800)}</p>`;
  insert.run(1, 'a', '甲', body, '京津冀协同发展'.repeat(800), '["天津"]');
  insert.run(2, 'b', '乙', '<p>短</p>', '短', '[]');
  insert.run(7, 'purged', '丙', '', '', '[]');
  sql.exec(`DELETE FROM articles WHERE id = 7`); // purged: its id must never come back
  sql.exec(`INSERT INTO article_tags (article_id, tag) VALUES (1, '天津')`);
  sql.exec(`INSERT INTO related_links (article_id, target_article_id, position, created_at, updated_at) VALUES (1, 2, 0, 1, 1)`);
  const before = sql.prepare('SELECT * FROM articles ORDER BY id').all();
  const indexesBefore = sql.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'articles' ORDER BY name`).pluck().all();

  migrateDatabase(db);

  t.same(columns().slice(0, 3), ['id', 'status', 'published_at'], 'filter columns first');
  t.same(columns().slice(-2), ['body_text', 'body'], 'the body last');
  t.same(sql.prepare('SELECT * FROM articles ORDER BY id').all(), before, 'every row and value kept');
  t.same(sql.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'articles' ORDER BY name`).pluck().all(), indexesBefore, 'every index recreated');
  t.equal(sql.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are on again');
  t.equal(sql.prepare('SELECT count(*) FROM related_links JOIN articles ON articles.id = related_links.article_id').pluck().get(), 1, 'links still join');
  t.equal(sql.prepare('SELECT count(*) FROM article_tags').pluck().get(), 1, 'tags kept (no cascade ran)');
  const next = sql.prepare(`INSERT INTO articles (slug, title, section_id, created_at, updated_at) VALUES ('c', '丁', 1, 1, 1)`).run();
  t.equal(Number(next.lastInsertRowid), 8, 'the AUTOINCREMENT high-water mark survives: purged id 7 is not reused');
  t.throws(() => sql.exec(`INSERT INTO article_tags (article_id, tag) VALUES (99, 'x')`), /FOREIGN KEY/, 'references to articles are enforced');
  t.throws(() => sql.exec(`INSERT INTO articles (slug, title, section_id, status, created_at, updated_at) VALUES ('d', '戊', 1, 'bogus', 1, 1)`), /CHECK/, 'checks kept');
  t.throws(() => sql.exec(`INSERT INTO articles (slug, title, section_id, created_at, updated_at) VALUES ('a', '重复', 1, 1, 1)`), /UNIQUE/, 'unique slug kept');
});

t.test('a fresh database gets the same layout as a migrated one', async (t) => {
  const db = openDatabase(':memory:');
  t.same(migrateDatabase(db), { fresh: true });
  const names = (db.$client.pragma('table_info(articles)') as { name: string }[]).map((c) => c.name);
  t.equal(names.at(-1), 'body');
  t.same(migrateDatabase(db), { fresh: false }, 'running again changes nothing');
});
