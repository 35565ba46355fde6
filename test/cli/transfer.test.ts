import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { exportCommand } from '../../src/cli/export.js';
import { importCommand } from '../../src/cli/import.js';
import { captureIo } from '../helpers/cli.js';
import { ndjson, seedRecords } from '../transfer/fixtures.js';

/** A database file holding the seed records (2 sections, 1 source, 2 articles). */
async function seededDatabase(dir: string) {
  const database = join(dir, 'seed.db');
  const file = join(dir, 'seed.ndjson');
  writeFileSync(file, ndjson(seedRecords()));
  const io = captureIo();
  if ((await importCommand([file, '--database', database], io.io, { databasePath: database })) !== 0) throw new Error(io.err.join('\n'));
  return { database, file };
}

t.test('import: usage errors name the flag as typed and print the usage (exit 2)', async (t) => {
  const dir = t.testdir({ 'seed.ndjson': ndjson(seedRecords()), folder: {} });
  const file = join(dir, 'seed.ndjson');
  const env = { databasePath: join(dir, 'unused.db') };
  const cases: [string[], string][] = [
    [[file, '--mode', 'merge'], '--mode: needs upsert, create-only or update-only'],
    [[file, '--batch-size', '1.5'], '--batch-size: needs a whole number from 1 to 10000'],
    [[], 'masthead import needs a file to read (or - for stdin)'],
    [[file, file], `masthead import reads one file; got 2: ${file} ${file}`],
    [[file, '--key', 'mh_x'], '--url and --key go together: the server, and a write key for it'],
    [[file, '--url', 'http://127.0.0.1:1', '--key', 'k', '--database', 'x.db'], '--url (a server) or --database (a file), not both'],
    [[file, '--url', 'ftp://example.com', '--key', 'k'], '--url: needs an http:// or https:// address, not ftp:'],
    [[file, '--url', 'not a url', '--key', 'k'], `--url: "not a url" is not an address; it needs the server's, e.g. http://127.0.0.1:3000`],
    [[file, '--dry-run=yes'], '--dry-run takes no value'],
    [[join(dir, 'folder')], `${join(dir, 'folder')}: not a file`],
  ];
  for (const [args, message] of cases) {
    const run = captureIo();
    t.equal(await importCommand(args, run.io, env), 2, `import ${args.join(' ')}`);
    t.equal(run.err[0], message);
    if (run.err.length > 1) t.match(run.err[1], /^\nUsage:\n {2}masthead import FILE/);
  }
});

t.test('export: --updated-since takes a date or a time with offset; usage errors (exit 2)', async (t) => {
  const dir = t.testdir();
  const { database } = await seededDatabase(dir);
  const env = { databasePath: database };
  const since = async (value: string) => {
    const run = captureIo();
    t.equal(await exportCommand(['--updated-since', value], run.io, env), 0, `--updated-since ${value}`);
    return run.data().trim().split('\n').filter((l) => l.startsWith('{"type":"article"')).length;
  };
  t.equal(await since('2020-01-01'), 2, 'a date: both articles changed since');
  t.equal(await since('2020-01-01T16:00:00+08:00'), 2, 'a time with its offset');
  t.equal(await since('2999-01-01'), 0, 'none changed since a future date');

  const cases: [string[], RegExp][] = [
    [['--updated-since', '2020-02-30'], /^--updated-since: needs a date \(2020-01-01, from midnight UTC\)[^\n]*; got "2020-02-30"$/],
    [['--bogus'], /^unknown option --bogus$/],
    [['--url', 'http://127.0.0.1:1'], /^--url and --key go together/],
    [['--section', 'x'.repeat(101)], /^--section: /],
  ];
  for (const [args, message] of cases) {
    const run = captureIo();
    t.equal(await exportCommand(args, run.io, env), 2, `export ${args.join(' ')}`);
    t.match(run.err[0], message);
    t.match(run.err[1], /^\nUsage:\n {2}masthead export/);
  }
});

t.test("export's progress says what it exported, with no error count", async (t) => {
  const dir = t.testdir();
  const { database } = await seededDatabase(dir);
  const out = join(dir, 'out.ndjson');
  const plain = captureIo();
  t.equal(await exportCommand(['--out', out], plain.io, { databasePath: database }), 0);
  t.match(plain.progress(), new RegExp(`^exported to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 5 lines \\(2 sections, 1 source, 2 articles\\), [\\d,]+ lines/s, [\\d.]+ s\\n$`), 'one closing line off a terminal');
  t.notMatch(plain.progress(), /errors/);
  const tty = captureIo(undefined, true);
  t.equal(await exportCommand([], tty.io, { databasePath: database }), 0);
  t.match(tty.progress(), /\rexported: 5 lines \(2 sections, 1 source, 2 articles\), /, 'redrawn on a terminal');
  t.match(tty.progress(), /\n$/);
});

t.test('export: an output that cannot be written, a server that breaks off, a reader that goes away', async (t) => {
  const dir = t.testdir();
  const { database } = await seededDatabase(dir);
  const env = { databasePath: database };

  const missing = join(dir, 'no', 'such', 'folder', 'out.ndjson');
  const unwritable = captureIo();
  t.equal(await exportCommand(['--out', missing], unwritable.io, env), 1);
  t.same(unwritable.err, [`${missing}: no such file or directory (ENOENT)`]);

  // A server that sends the headers and half a line, then drops the connection.
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write('{"type":"section","slug":"tianjin","name":"天津"}\n{"type":"sec');
    setTimeout(() => res.socket?.destroy(), 50);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const broken = captureIo();
  t.equal(await exportCommand(['--url', url, '--key', 'mh_x'], broken.io, env), 1);
  t.match(broken.err, [new RegExp(`^the connection to ${url} broke off: `)]);

  const gone = new Writable({ write: (_chunk, _enc, done) => done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })) });
  const piped = captureIo(gone);
  t.equal(await exportCommand([], piped.io, env), 0, '`masthead export | head`: a closed pipe is not an error');
  t.same(piped.err, []);
});

t.test('import --url: refusals and unreachable servers are one line (exit 1)', async (t) => {
  const dir = t.testdir();
  const { file, database } = await seededDatabase(dir);
  const server = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<h1>Not here</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const other = captureIo();
  t.equal(await importCommand([file, '--url', url, '--key', 'mh_x'], other.io, { databasePath: database }), 1);
  t.same(other.err, ['The server answered 404: Not Found (is --url the address of a Masthead server?)']);
  t.match(other.progress(), /^sent: 5 lines, [\d,]+ lines\/s, [\d.]+ s\n$/, 'no error count while sending: the server counts them');
});
