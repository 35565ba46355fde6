// PostgreSQL-specific: tests the adapter's own connection, migrations and drizzle's int8 parsing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import t from 'tap';
import { StoreUnusable } from '../../../src/store/port.js';
import { MIGRATIONS_FOLDER, createPool, drizzleOf, migrateDatabase, openPool } from '../../../src/store/postgres/connection.js';
import { articles, sections } from '../../../src/store/postgres/schema.js';
import { emptyDatabase, freshDatabase } from '../../helpers/postgres.js';

t.test('two nodes starting at once apply the migrations once; the other waits and finds nothing to do', async (t) => {
  const url = await emptyDatabase(t);
  const a = createPool(url);
  const b = createPool(url);
  t.teardown(async () => {
    await a.end();
    await b.end();
  });
  const known = (JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;
  t.ok(known >= 2, `${known} migrations to apply`);
  const results = await Promise.all([migrateDatabase(a, url), migrateDatabase(b, url)]);
  t.same(results.map((r) => r.applied).sort(), [0, known], 'one node applied every migration, the other none');
  t.same(results.map((r) => r.fresh).sort(), [false, true], 'the waiting node sees the tables the first made');
  const journal = await a.query('SELECT count(*) AS n FROM drizzle.__drizzle_migrations');
  t.equal(journal.rows[0].n, known, 'each recorded once');
  t.same(results.map((r) => r.search.method), ['rum', 'rum'], 'both find the RUM index (test/store/postgres/rum.test.ts)');
  t.same(await migrateDatabase(a, url), { fresh: false, applied: 0, search: results[0]!.search }, 'a later start changes nothing');
});

t.test('int8 comes back as a number on the pool, without changing node-postgres for anyone else', async (t) => {
  const url = await freshDatabase(t);
  const pool = createPool(url);
  t.teardown(() => pool.end());
  const { rows } = await pool.query('SELECT 9007199254740991::int8 AS big, (SELECT count(*) FROM articles) AS n, 42::int8 AS small');
  t.same(rows[0], { big: Number.MAX_SAFE_INTEGER, n: 0, small: 42 });
  await t.rejects(pool.query('SELECT 9007199254740993::int8 AS beyond'), /does not fit a JS number/, 'never rounded silently');

  const plain = new pg.Client({ connectionString: url });
  await plain.connect();
  t.teardown(() => plain.end());
  t.same((await plain.query('SELECT 42::int8 AS n')).rows[0], { n: '42' }, 'the global parsers are untouched');

  const db = drizzleOf(pool);
  const [section] = await db.insert(sections).values({ slug: 'tianjin', name: '天津', createdAt: 1764230400000, updatedAt: 1764230400000 }).returning();
  t.equal(typeof section!.id, 'number', 'drizzle reads a bigint column as a number');
  t.equal(section!.createdAt, 1764230400000);
  // drizzle passes its own per-query parsers (built on the global table): raw int8 through drizzle stays a string.
  const counted = await db.select({ n: sql`count(*)` }).from(articles);
  t.equal(counted[0]!.n, '0', 'a raw count(*) through drizzle is a string: say ::int or mapWith(Number)');
  t.equal((await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(articles))[0]!.n, 0);
});

t.test('a closed port, a missing database or a bad URL is a StoreUnusable of one line naming the server', async (t) => {
  const cases: [string, RegExp][] = [
    ['postgres://postgres@127.0.0.1:1/masthead', /^PostgreSQL at 127\.0\.0\.1:1\/masthead refused the connection/],
    ['postgres://postgres@127.0.0.1:5432/masthead_no_such_database', /^PostgreSQL at 127\.0\.0\.1:5432\/masthead_no_such_database: the database does not exist$/],
    ['postgres://postgres@no-such-host.invalid:5432/x', /^PostgreSQL at no-such-host\.invalid:5432\/x: the host name cannot be resolved$/],
    ['mysql://root@127.0.0.1/x', /must start with postgres:\/\//],
    ['not a url', /cannot be parsed/],
  ];
  for (const [url, message] of cases) {
    const error = await openPool(url).catch((e: unknown) => e);
    t.ok(error instanceof StoreUnusable, `${url}: a StoreUnusable`);
    t.match((error as Error).message, message, url);
    t.notOk((error as Error).message.includes('\n'), 'one line');
  }
  const secret = await openPool('postgres://postgres:hunter2@127.0.0.1:1/x').catch((e: unknown) => e);
  t.notOk((secret as Error).message.includes('hunter2'), 'the password is never in the message');
  const pool = createPool('postgres://postgres@127.0.0.1:1/x');
  await t.rejects(migrateDatabase(pool, 'postgres://postgres@127.0.0.1:1/x'), StoreUnusable, 'migrating an unreachable server too');
  await pool.end();
});
