// SQLite-specific: opening SQLite files at start-up: newer migrations, read-only files, integrity checks.
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { checkCommand } from '../../../src/cli/check.js';
import { buildApp } from '../../../src/app.js';
import { testConfig } from '../../../src/config.js';
import { AppError } from '../../../src/common/errors.js';
import { StoreUnusable } from '../../../src/store/port.js';
import { migrateDatabase, openDatabase } from '../../../src/store/sqlite/connection.js';
import { assertWritable, createSqliteStore, openSqliteStore } from '../../../src/store/sqlite/store.js';
import { call, createKey, testClock } from '../../helpers/app.js';
import { runCli } from '../../helpers/cli.js';

/** A migrated database file with a few sections, closed. */
function databaseFile(dir: string, name = 'm.db'): string {
  const path = join(dir, name);
  const db = openDatabase(path);
  migrateDatabase(db);
  const insert = db.$client.prepare("INSERT INTO sections (slug, name, created_at, updated_at) VALUES (?, '栏目', 0, 0)");
  for (let n = 0; n < 2000; n++) insert.run(`s-${n}`);
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
  db.$client.close();
  return path;
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

t.test('a database migrated by a newer Masthead is refused, naming what it found; nothing is written', async (t) => {
  const path = databaseFile(t.testdir());
  const db = openDatabase(path);
  db.$client.prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('from-the-future', ?)").run(Date.parse('2030-01-01T00:00:00Z'));
  db.$client.close();
  t.throws(() => openSqliteStore(path), { name: 'StoreUnusable', message: /migrated by a newer Masthead \(a migration of 2030-01-01T00:00:00\.000Z; this build knows up to 0006_copy_origin\)/ });
  const cli = await runCli(['migrate'], { env: { DATABASE_PATH: path } });
  t.equal(cli.code, 1);
  t.match(cli.stderr, /^\S*m\.db: the database was migrated by a newer Masthead/);
  t.equal(cli.stderr.trim().split('\n').length, 1, 'one line, no stack');
});

t.test('a database that cannot be written is refused at start-up, before it could report ready', async (t) => {
  const path = databaseFile(t.testdir());
  const readOnly = openDatabase(path, { readonly: true });
  t.teardown(() => readOnly.$client.close());
  t.throws(() => assertWritable(readOnly, path), new StoreUnusable(`${path}: the database cannot be written (a read-only file, folder or file system); Masthead must be able to write it`));
  const writable = openDatabase(path);
  t.teardown(() => writable.$client.close());
  t.doesNotThrow(() => assertWritable(writable, path), 'a writable file passes');
  t.equal(writable.$client.pragma('user_version', { simple: true }), 0, 'and the probe wrote nothing');
  t.notOk(writable.$client.inTransaction);
});

t.test('a write refused because the file is read-only is a 503 problem, and /readyz says so until a write succeeds', async (t) => {
  const path = databaseFile(t.testdir());
  const writable = openDatabase(path);
  const { header } = await createKey(createSqliteStore(writable), testClock(), { scope: 'admin' });
  writable.$client.close();
  // The store's writer opened read-only stands in for a file that became read-only under a running server.
  const readOnly = openDatabase(path, { readonly: true });
  const app = await buildApp(testConfig(), { store: createSqliteStore(readOnly) });
  t.teardown(async () => {
    await app.close();
    readOnly.$client.close();
  });
  t.equal((await call(app, { method: 'GET', url: '/readyz' })).status, 200);
  const write = await call(app, { method: 'POST', url: '/v1/sections', headers: header, payload: { name: '只读' } });
  t.equal(write.status, 503);
  t.match(write.body, { code: 'database-read-only', detail: /cannot be written: nothing was written/ });
  const ready = await call(app, { method: 'GET', url: '/readyz' });
  t.equal(ready.status, 503);
  t.match(ready.body, { code: 'database-read-only' });
  t.equal((await call(app, { method: 'GET', url: '/v1/sections?limit=1' })).status, 200, 'reads go on');
});

t.test('damage met by a write is a 503 problem and keeps /readyz at 503', async (t) => {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  const store = createSqliteStore(db);
  t.teardown(() => store.close());
  const corrupt = Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
  await t.rejects(
    store.write(async () => {
      throw corrupt;
    }),
    { code: 'database-damaged', status: 503 },
  );
  await t.rejects(store.ping(), { code: 'database-damaged' });
  await store.write(async (tx) => tx.sections.byId(1));
  await t.rejects(store.ping(), { code: 'database-damaged' }, 'a later write does not make the file whole');
  t.ok(new AppError('database-damaged', 'x').status === 503);
});

t.test('masthead check: the full integrity check, ok or the damage it found, as one line', async (t) => {
  const dir = t.testdir();
  const good = databaseFile(dir, 'good.db');
  const ok = io();
  t.equal(await checkCommand([], ok.io, { databasePath: good }), 0);
  t.match(ok.out, [/good\.db: [\d.]+ MB, 0 articles, integrity ok, in [\d.]+ s/]);

  const bad = databaseFile(dir, 'bad.db');
  // Garbage over pages in the middle of the file: the sections' b-tree and its indexes.
  const pages = statSync(bad).size / 4096;
  const fd = openSync(bad, 'r+');
  for (let page = 2; page < pages - 1; page += 3) writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, page * 4096);
  closeSync(fd);
  const damaged = io();
  t.equal(await checkCommand([bad], damaged.io, { databasePath: good }), 1);
  t.match(damaged.err.at(-1), /bad\.db: damaged: .+ \(checked in [\d.]+ s\); restore a backup/);
  t.ok(damaged.err.length > 1, 'a line per problem SQLite found, then the verdict');
  const missing = io();
  t.equal(await checkCommand([join(dir, 'nope.db')], missing.io, { databasePath: good }), 2);
  t.match(missing.err, [/nope\.db: no such database/]);
  await t.rejects(checkCommand(['a', 'b'], io().io, { databasePath: good }), { name: 'UsageError' });
});

t.test("masthead check on SQLite: Masthead's rules too, a line each", async (t) => {
  const dir = t.testdir();
  const path = databaseFile(dir, 'rules.db');
  const db = openDatabase(path);
  // Written past the app: an article with no search entry, no change event, a tag row missing and a bad slug.
  db.$client.exec(`INSERT INTO articles (id, slug, title, section_id, status, tags, created_at, updated_at) VALUES (7, 'Bad Slug', '标题', 1, 'published', '["经济"]', 0, 0)`);
  db.$client.close();
  const out = io();
  t.equal(await checkCommand([path], out.io, { databasePath: path }), 1);
  const text = out.err.join('\n');
  t.match(text, /damage: 1 articles have no search-index entry \(7\)/);
  t.match(text, /damage: 1 articles have no event in the change feed \(7\)/);
  t.match(text, /damage: 1 articles' tag rows differ from their tags \(7\)/);
  t.match(text, /damage: 1 slugs are not of lower-case letters/);
  t.match(text, /damage: 1 published articles have no publication time \(7\)/);
  t.match(out.err.at(-1), /rules\.db: damaged: 5 problems, the first: /);
});
