// SQLite-specific: backup and restore copy the SQLite file, so the copy is opened with the driver.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import t from 'tap';
import { backupCommand } from '../../src/cli/backup.js';
import { UsageError } from '../../src/cli/args.js';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

/** A second process that inserts sections one per transaction and prints each id once it is committed (acknowledged). */
const WRITER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
const insert = db.prepare("INSERT INTO sections (slug, name, created_at, updated_at) VALUES (?, '写入', 0, 0) RETURNING id");
(function next(n) {
  const { id } = insert.get('w-' + n);
  process.stdout.write(id + '\\n');
  setImmediate(next, n + 1);
})(1);
`;

t.test('backup while another process writes: the copy opens, is intact and holds every write acknowledged before it began', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'live.db');
  const db = openDatabase(path);
  migrateDatabase(db);
  db.$client.close();
  const writer = spawn(process.execPath, ['-e', WRITER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => writer.kill('SIGKILL'));
  let acked = 0;
  const lines = createInterface({ input: writer.stdout! });
  const enough = new Promise<void>((resolve) => lines.on('line', (l) => (acked = Number(l)) >= 200 && resolve()));
  await enough;
  const before = acked;
  const { out, io: cli } = io();
  t.equal(await backupCommand('backup', [join(dir, 'copy.db')], cli, { databasePath: path }), 0);
  t.match(out[0], /integrity ok/);
  // The backup neither blocked nor broke the writer: it goes on committing after the copy is taken.
  // (Whether writes land inside the copy depends on how long the copy took under the machine's load,
  // so the copy is only bound from below, by what was acknowledged before it began.)
  const atEnd = acked;
  await new Promise<void>((resolve) => {
    if (acked >= atEnd + 50) return resolve();
    lines.on('line', () => acked >= atEnd + 50 && resolve());
  });
  writer.kill('SIGKILL');
  await Promise.all([once(writer, 'exit'), once(lines, 'close')]);
  const acknowledged = acked;

  const copy = new Database(join(dir, 'copy.db'), { readonly: true });
  t.teardown(() => copy.close());
  t.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
  const ids = copy.prepare("SELECT id FROM sections WHERE slug LIKE 'w-%' ORDER BY id").pluck().all() as number[];
  t.ok(ids.length >= before, `every write acknowledged before the backup is in it (${before} ≤ ${ids.length})`);
  t.same(ids.slice(0, before), Array.from({ length: before }, (_, i) => i + 1), 'none missing');
  // A consistent snapshot is a prefix of the writer's sequence: no gap, nothing after a missing write.
  // (Acknowledgements lag commits by the pipe, so they bound the copy from below only.)
  t.same(ids, Array.from({ length: ids.length }, (_, i) => i + 1), 'the copy is the writer’s first N writes, with no gap');
  t.ok(acknowledged >= atEnd + 50, `the writer went on committing after the backup (${acknowledged - atEnd} more)`);
});

t.test('restore: a checked copy replaces the database; a broken file or an existing database is refused', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'live.db');
  const db = openDatabase(path);
  migrateDatabase(db);
  db.$client.prepare("INSERT INTO sections (slug, name, created_at, updated_at) VALUES ('tianjin', '天津', 0, 0)").run();
  db.$client.close();
  const cli = io();
  t.equal(await backupCommand('backup', [join(dir, 'copy.db')], cli.io, { databasePath: path }), 0);
  t.equal(await backupCommand('backup', [join(dir, 'copy.db')], cli.io, { databasePath: path }), 2, 'an existing backup file is not overwritten');

  const target = join(dir, 'restored.db');
  t.equal(await backupCommand('restore', [join(dir, 'copy.db')], cli.io, { databasePath: target }), 0);
  const restored = new Database(target, { readonly: true });
  t.equal(restored.prepare('SELECT name FROM sections').pluck().get(), '天津');
  restored.close();
  t.equal(await backupCommand('restore', [join(dir, 'copy.db')], cli.io, { databasePath: target }), 2, 'an existing database needs --force');
  t.match(cli.err.at(-1), /--force/);
  t.equal(await backupCommand('restore', [join(dir, 'copy.db'), '--force'], cli.io, { databasePath: target }), 0);

  writeFileSync(join(dir, 'junk.db'), 'not a database at all');
  t.equal(await backupCommand('restore', [join(dir, 'junk.db'), '--force'], cli.io, { databasePath: target }), 1);
  t.match(cli.err.at(-1), /failed its check/);
  await t.rejects(backupCommand('restore', [], cli.io, { databasePath: target }), UsageError, 'no FILE: a usage error (the CLI prints usage, exit 2)');
});
