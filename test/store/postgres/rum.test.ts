// PostgreSQL-specific: the RUM index for search (src/store/postgres/rum.ts, search.ts), created where the server has the extension, and GIN with its start-up line where it has not.
import pg from 'pg';
import { createServer } from 'node:net';
import t from 'tap';
import { searchQueryOf } from '../../../src/search/query.js';
import type { SearchRank } from '../../../src/store/port.js';
import { createPool, migrateDatabase } from '../../../src/store/postgres/connection.js';
import { ensureRumIndex, RUM_INDEX } from '../../../src/store/postgres/rum.js';
import { createSearchRepo } from '../../../src/store/postgres/search.js';
import { openPostgresStore } from '../../../src/store/postgres/store.js';
import { runCli } from '../../helpers/cli.js';
import { emptyDatabaseOfNewRole, freshDatabase, TEST_DATABASE_URL } from '../../helpers/postgres.js';
import { allPages, byOrder, fill, READER, recording } from './ranked.js';

/**
 * CI runs on this project's machines, which have the RUM extension (`.ci/run` installs
 * postgresql-15-rum when it can): the RUM tests fail, with the reason, on a server without it,
 * rather than passing on GIN unseen. Users without RUM run the GIN path, proved by the second
 * group (a role that may not create the extension, as on most managed services).
 */

t.test('with RUM: the index is made at start-up, searches read it in rank order, and pages are exact', async (t) => {
  const admin = createPool(TEST_DATABASE_URL, { poolSize: 1 });
  const available = (await admin.query("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")).rowCount === 1;
  await admin.end();
  if (!available) {
    t.fail('PostgreSQL at TEST_DATABASE_URL has no RUM extension: install postgresql-15-rum (CI installs it, .ci/run); the RUM path cannot be tested');
    return;
  }
  const url = await freshDatabase(t);
  const { store, search } = await openPostgresStore(url, { poolSize: 2 });
  t.teardown(() => store.close());
  t.same(search, { method: 'rum', level: 'info', message: `search ranks with the RUM index (${RUM_INDEX})` }, 'the start-up line');

  const pool = createPool(url, { poolSize: 2 });
  t.teardown(() => pool.end());
  const index = await pool.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'article_search' AND indexname = $1", [RUM_INDEX]);
  t.match(index.rows[0]?.indexdef, /USING rum \(tsv\) WHERE \(NOT pending\)$/, 'the RUM index exists (rum_tsvector_ops, the default class, is not named), of the entries not pending (fold.ts)');
  await fill(pool);

  const { q, statements } = recording(pool);
  const rum = createSearchRepo(q, 'rum');
  const gin = createSearchRepo(pool, 'gin');

  await rum.rank(searchQueryOf('common'), {}, READER, undefined, 21);
  t.equal(statements.length, 1, 'the first page of a frequent term: one read');
  const plan = (await pool.query(`EXPLAIN ${statements[0]!.text}`, statements[0]!.values)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
  t.match(plan, new RegExp(`Index Scan using ${RUM_INDEX} on article_search[^\\n]*\\n(?:[^\\n]*\\n)*?\\s*Order By: \\(tsv <=> `), 'the index gives the order, the visibility filter joined');
  t.match(plan, /Limit/);
  t.notMatch(plan, /ts_rank/);

  // The same matches as GIN's, in RUM's order (every match's rank computed apart, sorted here), page after page.
  for (const term of ['common', 'rare', 'body']) {
    const want = 21;
    statements.length = 0;
    const paged = await allPages(rum, term, want, statements);
    const ginIds = (await allPages(gin, term, want)).ranks.map((r) => r.id).sort((a, b) => a - b);
    t.same([...paged.ranks.map((r) => r.id)].sort((a, b) => a - b), ginIds, `${term}: the matches GIN finds (${ginIds.length})`);
    const expected = (
      await pool.query<SearchRank>(
        `SELECT s.article_id AS id, a.published_at AS pub, (-1 / (s.tsv <=> $1::tsquery)::float8) AS rank FROM article_search s JOIN articles a ON a.id = s.article_id WHERE s.article_id = ANY($2::int8[])`,
        [term, ginIds],
      )
    ).rows.sort(byOrder);
    t.strictSame(paged.ranks, expected, `${term}: in RUM's rank, then newer first, undated last, then higher id, with no page repeating or skipping a match`);
    if (term === 'common') {
      t.ok(paged.reads.includes(1), 'pages read once where the rows read end past the page');
      t.ok(paged.reads.includes(3), 'and through every match where a run of equal rank is longer than the reads');
      const titled = paged.ranks.filter((r) => r.id % 100 === 0).length;
      t.ok(titled > 20 && paged.ranks.slice(0, titled).every((r) => r.id % 100 === 0), 'title matches before body-only ones');
    }
  }
  t.same(await rum.rank(searchQueryOf('nothing'), {}, READER, undefined, 21), [], 'a term nowhere');
  t.match(await store.search.rank(searchQueryOf('rare'), {}, READER, undefined, 3), [{ id: 2100 }, { id: 1800 }, { id: 1500 }], 'the store searches with RUM (equal ranks: newer first)');
});

t.test('without RUM: a role that may not create the extension gets GIN and one line saying what it costs', async (t) => {
  const { url, asRole, role } = await emptyDatabaseOfNewRole(t, 'masthead_norum');

  const { store, search } = await openPostgresStore(asRole, { poolSize: 2 });
  t.teardown(() => store.close());
  t.equal(search.method, 'gin');
  t.equal(search.level, 'warn');
  t.match(search.message, new RegExp(`^PostgreSQL has the RUM extension but role ${role} may not create it .*: search ranks with GIN and ts_rank, which costs in proportion to the matches .*see docs/postgres\\.md$`));
  const pool = createPool(url, { poolSize: 1 });
  t.teardown(() => pool.end());
  t.equal((await pool.query("SELECT 1 FROM pg_extension WHERE extname = 'rum'")).rowCount, 0, 'no extension');
  t.equal((await pool.query('SELECT 1 FROM pg_indexes WHERE indexname = $1', [RUM_INDEX])).rowCount, 0, 'no RUM index');
  await fill(pool);
  const { q, statements } = recording(pool);
  const { ranks } = await allPages(createSearchRepo(q, 'gin'), 'rare', 3);
  t.same(ranks.map((r) => r.id).sort((a, b) => a - b), [300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700, 3000].filter((id) => id % 13 !== 0));
  t.ok(statements.every((s) => s.text.includes('ts_rank') && !s.text.includes('<=>')), 'ranked by ts_rank');
  t.match(await store.search.rank(searchQueryOf('rare'), {}, READER, undefined, 1), [{ id: 2100 }], 'the store searches with GIN (equal ranks: newer first)');

  // `masthead migrate` says it too, on stderr.
  const migrate = await runCli(['migrate'], { env: { DATABASE_URL: asRole } });
  t.equal(migrate.code, 0, migrate.stderr);
  t.match(migrate.stderr, /: PostgreSQL has the RUM extension but role .* may not create it .*search ranks with GIN and ts_rank/);

  // And the server logs it at start-up, one warning (here before it finds its port taken and stops).
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => busy.close());
  const { port } = busy.address() as { port: number };
  const env = { DATABASE_URL: asRole, PORT: String(port), HOST: '127.0.0.1', MASTHEAD_DEMO: 'off', MASTHEAD_ADMIN_KEY: 'mh_abcdefghijklmnopqrstuvwxyz' };
  const serve = await runCli(['serve'], { env });
  t.equal(serve.code, 1, serve.stderr);
  const lines = serve.stdout.split('\n').filter((line) => line.includes('RUM')).map((line) => JSON.parse(line) as { level: number; msg: string });
  t.match(lines, [{ level: 40, msg: search.message }], 'one warn line with the message');
  t.equal(lines.length, 1);

  // What docs/postgres.md tells such a newsroom: a superuser creates the extension once, and the next start builds the index.
  await pool.query('CREATE EXTENSION rum');
  const again = await openPostgresStore(asRole, { poolSize: 1 });
  await again.store.close();
  t.equal(again.search.method, 'rum', 'the role builds the index on the table it owns');
  t.equal((await pool.query('SELECT 1 FROM pg_indexes WHERE indexname = $1', [RUM_INDEX])).rowCount, 1);
});

t.test('an interrupted concurrent build is made again; an extension outside the search path is not used', async (t) => {
  const url = await freshDatabase(t);
  const pool = createPool(url, { poolSize: 1 });
  t.teardown(() => pool.end());
  await pool.query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = '${RUM_INDEX}'::regclass`);
  t.equal((await migrateDatabase(pool, url)).search.method, 'rum');
  t.same((await pool.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = '${RUM_INDEX}'::regclass`)).rows, [{ indisvalid: true }], 'valid again');

  await pool.query('CREATE SCHEMA elsewhere');
  await pool.query('ALTER EXTENSION rum SET SCHEMA elsewhere');
  const { search } = await migrateDatabase(pool, url);
  t.same(search, {
    method: 'gin',
    level: 'warn',
    message: 'PostgreSQL has the RUM extension outside the search path (its <=> operator is not found): search ranks with GIN and ts_rank, which costs in proportion to the matches (a term in most articles: seconds at 100k); see docs/postgres.md',
  });
});

t.test('a server without the extension: the line names the package to install', async (t) => {
  const answers = [{ available: false, installed: false, major: 16, role: 'masthead' }];
  const client = { query: async () => ({ rows: answers }) } as unknown as pg.ClientBase;
  t.same(await ensureRumIndex(client), {
    method: 'gin',
    level: 'warn',
    message:
      'PostgreSQL has no RUM extension (Debian/Ubuntu package postgresql-16-rum): search ranks with GIN and ts_rank, which costs in proportion to the matches (a term in most articles: seconds at 100k); see docs/postgres.md',
  });
});

t.test('DATABASE_SEARCH_INDEX=gin keeps to GIN on a server with RUM and drops the RUM index; auto makes it again', async (t) => {
  const url = await freshDatabase(t);
  const pool = createPool(url, { poolSize: 1 });
  t.teardown(() => pool.end());
  const hasIndex = async () => (await pool.query("SELECT 1 FROM pg_indexes WHERE tablename = 'article_search' AND indexname = $1", [RUM_INDEX])).rowCount === 1;
  t.ok(await hasIndex(), 'the template has it (auto)');
  const { store, search } = await openPostgresStore(url, { poolSize: 2, searchIndex: 'gin' });
  t.teardown(() => store.close());
  t.same(search, {
    method: 'gin',
    level: 'info',
    message: 'DATABASE_SEARCH_INDEX=gin: search ranks with GIN and ts_rank, which costs in proportion to the matches (a term in most articles: seconds at 100k); see docs/postgres.md',
  });
  t.notOk(await hasIndex(), 'its upkeep no longer costs writes');
  t.same(await store.search.rank(searchQueryOf('天津'), {}, READER, undefined, 21), [], 'and search answers on GIN');
  t.equal((await migrateDatabase(pool, url, 'auto')).search.method, 'rum', 'back to auto: RUM again');
  t.ok(await hasIndex());
});
