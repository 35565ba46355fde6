// SQLite-specific: opening SQLite files at start-up: newer migrations, read-only files, integrity checks.
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { backupCommand } from '../../../src/cli/backup.js';
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
  t.equal(await backupCommand('check', [], ok.io, { databasePath: good }), 0);
  t.match(ok.out, [/good\.db: [\d.]+ MB, integrity ok, in [\d.]+ s/]);

  const bad = databaseFile(dir, 'bad.db');
  // Garbage over pages in the middle of the file: the sections' b-tree and its indexes.
  const pages = statSync(bad).size / 4096;
  const fd = openSync(bad, 'r+');
  for (let page = 2; page < pages - 1; page += 3) writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, page * 4096);
  closeSync(fd);
  const damaged = io();
  t.equal(await backupCommand('check', [bad], damaged.io, { databasePath: good }), 1);
  t.match(damaged.err, [/bad\.db: damaged: .+ \(checked in [\d.]+ s\); restore a backup/]);
  const missing = io();
  t.equal(await backupCommand('check', [join(dir, 'nope.db')], missing.io, { databasePath: good }), 2);
  t.match(missing.err, [/nope\.db: no such database/]);
  await t.rejects(backupCommand('check', ['a', 'b'], io().io, { databasePath: good }), { name: 'UsageError' });
});
