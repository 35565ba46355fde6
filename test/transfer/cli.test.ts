// SQLite-specific: `import --database` writes a SQLite file, which the test opens to count rows.
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import t from 'tap';
import { exportCommand } from '../../src/cli/export.js';
import { importCommand, type TransferIo } from '../../src/cli/import.js';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';
import { buildTestApp } from '../helpers/app.js';
import { ndjson, seedRecords } from './fixtures.js';

/** Captures what a command says: stdout lines, stderr lines, and the raw progress stream. */
function captureIo(stdin: NodeJS.ReadableStream = Readable.from([]), tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  let progress = '';
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const io: TransferIo & { stdout: NodeJS.WritableStream } = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    progress: { write: (s: string) => (progress += s), isTTY: tty },
    stdin,
    stdout,
  };
  return { io, out, err, progress: () => progress, stdout: () => Buffer.concat(chunks).toString('utf8') };
}

const articleCount = (path: string) => {
  const db = openDatabase(path);
  try {
    return db.$client.prepare('SELECT count(*) FROM articles').pluck().get();
  } finally {
    db.$client.close();
  }
};

t.test('masthead import FILE --database: the import code on the file, a summary, exit code 0, then 1 when a line fails', async (t) => {
  const dir = t.testdir();
  const database = join(dir, 'cli.db');
  const file = join(dir, 'seed.ndjson');
  writeFileSync(file, ndjson(seedRecords()));
  const first = captureIo();
  t.equal(await importCommand([file, '--database', database], first.io, { databasePath: '/nonexistent/default.db' }), 0);
  t.same(first.out, ['5 created, 0 updated, 0 unchanged, 0 failed (5 lines)']);
  t.same(first.err, []);
  t.match(first.progress(), /^(imported: 5 lines, [\d,]+ lines\/s, 0 errors, [\d.]+ s\n)+$/, 'plain progress lines when not on a terminal');
  t.equal(articleCount(database), 2);

  const again = captureIo();
  t.equal(await importCommand([file, '--database', database], again.io, { databasePath: database }), 0);
  t.same(again.out, ['0 created, 0 updated, 5 unchanged, 0 failed (5 lines)'], 're-runnable');

  const bad = captureIo(Readable.from([ndjson([{ type: 'article', externalId: 'x', title: '无处', section: 'nowhere' }, 'nope'])]), true);
  t.equal(await importCommand(['-', '--dry-run'], bad.io, { databasePath: database }), 1, 'exit code 1 when any line failed');
  t.same(bad.out, ['dry run, nothing written: 0 created, 0 updated, 0 unchanged, 2 failed (2 lines)']);
  t.match(bad.err, ['line 1 (article x): /section: No section has this slug', /^line 2: \/: Not valid JSON/]);
  t.match(bad.progress(), /^(\rimported: 2 lines, [\d,]+ lines\/s, 2 errors, [\d.]+ s\x1b\[K)+\n$/, 'on a terminal, one line redrawn with \\r');

  const usage = captureIo();
  t.equal(await importCommand([], usage.io, { databasePath: database }), 2);
  t.equal(await importCommand([file, '--mode', 'merge'], usage.io, { databasePath: database }), 2);
  t.equal(await importCommand([join(dir, 'missing.ndjson')], usage.io, { databasePath: database }), 2);
  t.match(usage.err.join('\n'), /--mode: needs upsert, create-only or update-only/);
  t.match(usage.err.join('\n'), /missing\.ndjson: no such file/);
});

t.test('masthead export --database writes the import format; import --url and export --url talk to a server', async (t) => {
  const dir = t.testdir();
  const database = join(dir, 'cli.db');
  const db = openDatabase(database);
  migrateDatabase(db);
  db.$client.close();
  const file = join(dir, 'seed.ndjson');
  writeFileSync(file, ndjson(seedRecords()));
  await importCommand([file, '--database', database], captureIo().io, { databasePath: database });

  const out = join(dir, 'export.ndjson');
  t.equal(await exportCommand(['--out', out, '--database', database], captureIo().io, { databasePath: database }), 0);
  const exported = readFileSync(out, 'utf8');
  t.equal(exported.trim().split('\n').length, 5);
  const toStdout = captureIo();
  t.equal(await exportCommand(['--section', 'zhengqing'], toStdout.io, { databasePath: database }), 0);
  t.equal(toStdout.stdout().trim().split('\n').length, 4, 'sections, the source and the one article of 政情');
  const unknown = captureIo();
  t.equal(await exportCommand(['--section', 'nowhere'], unknown.io, { databasePath: database }), 2);
  t.match(unknown.err, ['--section: no section has the id or slug nowhere']);

  const ctx = await buildTestApp(t);
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  const key = ctx.auth.write.authorization.replace('Bearer ', '');
  const up = captureIo();
  t.equal(await importCommand([out, '--url', url, '--key', key, '--batch-size', '2'], up.io, { databasePath: database }), 0);
  t.same(up.out, ['5 created, 0 updated, 0 unchanged, 0 failed (5 lines)']);
  t.match(up.progress(), /^sent: 5 lines/);
  const down = captureIo();
  t.equal(await exportCommand(['--url', url, '--key', key], down.io, { databasePath: database }), 0);
  t.equal(down.stdout(), exported, 'the server holds what the file held');
  const refused = captureIo();
  const readKey = ctx.auth.read.authorization.replace('Bearer ', '');
  t.equal(await importCommand([out, '--url', url, '--key', readKey], refused.io, { databasePath: database }), 1);
  t.match(refused.err, [/^The server answered 403: This call needs a key with the write scope/]);
});
