import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';

/**
 * Tests speak to the storage port or to HTTP, so that the same suite can run on every adapter.
 * A test that must reach a driver says why in a `// SQLite-specific: <reason>` (or
 * `// PostgreSQL-specific: <reason>`) comment;
 * files not yet moved are listed in NOT_YET_MOVED, a list that only shrinks: a listed file that no
 * longer reaches past the port fails the test until it is struck off.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const THIS_FILE = 'test/store/tests-use-the-port.test.ts';
const MARK = '// SQLite-specific:';
const MARKS = [MARK, '// PostgreSQL-specific:'];
const marked = (text: string) => MARKS.some((m) => text.includes(m));

const NOT_YET_MOVED = new Set([
  // Being rewritten by another change; move them to the port there.
  'test/store/boundary.test.ts',
  // Snapshots every table to prove hostile input stored nothing; needs a port read of each table.
  'test/hostile-input.test.ts',
]);

const REACHES_PAST_THE_PORT: [RegExp, string][] = [
  [/\$client\b/, 'uses the driver handle ($client)'],
  [/better-sqlite3/, 'names better-sqlite3'],
  [/\bsql`/, 'writes drizzle sql`…`'],
  [/\bsqliteHandleOf\b/, 'takes the SQLite handle (sqliteHandleOf)'],
];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? testFiles(path) : /\.(ts|js|mjs)$/.test(e.name) ? [relative(ROOT, path)] : [];
  });
}

const files = testFiles(join(ROOT, 'test')).filter((f) => f !== THIS_FILE);
const reaches = (text: string) => REACHES_PAST_THE_PORT.filter(([re]) => re.test(text)).map(([, what]) => what);

t.test('no test reaches past the port without saying why', async (t) => {
  for (const file of files) {
    if (NOT_YET_MOVED.has(file)) continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    const found = reaches(text);
    if (found.length > 0 && !marked(text)) t.fail(`${file} ${found.join(', ')}: read stored state through test/helpers/store-rows.ts or HTTP, or say "${MARK} <why>"`);
  }
  t.pass(`${files.length} test files checked`);
});

t.test('the SQLite-specific mark gives a reason', async (t) => {
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const line of text.split('\n').filter((l) => MARKS.some((m) => l.includes(m)))) t.match(line, /\/\/ (SQLite|PostgreSQL)-specific: \S.{9,}/, `${file}: a reason after the mark`);
  }
});

t.test('the list of files not yet moved only shrinks', async (t) => {
  for (const file of NOT_YET_MOVED) {
    t.ok(files.includes(file), `${file} still exists (strike it off otherwise)`);
    if (!files.includes(file)) continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    t.ok(reaches(text).length > 0 && !marked(text), `${file} still reaches past the port unmarked (strike it off otherwise)`);
  }
});

t.test('the check finds what it looks for', async (t) => {
  t.same(reaches("ctx.db.$client.prepare('SELECT 1')"), ['uses the driver handle ($client)']);
  t.same(reaches("import Database from 'better-sqlite3';"), ['names better-sqlite3']);
  t.same(reaches('db.run(sql`DELETE FROM x`)'), ['writes drizzle sql`…`']);
  t.same(reaches('sqliteHandleOf(ctx.store).pragma'), ['takes the SQLite handle (sqliteHandleOf)']);
  t.same(reaches('await countStored(ctx.store, "articles")'), []);
});
