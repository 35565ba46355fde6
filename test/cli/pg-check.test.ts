// PostgreSQL-specific: masthead check on PostgreSQL (amcheck, Masthead's rules), with faults written into the test's own database by raw SQL.
import { join } from 'node:path';
import pg from 'pg';
import t, { type Test } from 'tap';
import { checkCommand } from '../../src/cli/check.js';
import { importCommand } from '../../src/cli/import.js';
import type { StoreConfig } from '../../src/store/open.js';
import { captureIo, hasStack, runCli } from '../helpers/cli.js';
import { emptyDatabase, emptyDatabaseOfNewRole, freshDatabase } from '../helpers/postgres.js';

const LINES = [
  '{"type":"section","slug":"tianjin","name":"天津"}',
  '{"type":"section","slug":"binhai","name":"滨海","parent":"tianjin"}',
  '{"type":"source","slug":"xinhua","name":"新华社","kind":"agency"}',
  '{"type":"article","externalId":"x-1","section":"binhai","source":"xinhua","title":"港口吞吐量创新高","body":"<p>天津港今年前十个月集装箱吞吐量同比增长 😀</p>","tags":["港口","经济"],"status":"published","publishedAt":"2026-11-27T08:00:00.000Z","relatedLinks":[{"externalId":"x-2"},{"url":"https://example.com/背景","title":"背景"}]}',
  '{"type":"article","externalId":"x-2","section":"tianjin","title":"甘肃省党政代表团来津考察","body":"<p>京津冀协同发展</p>","tags":["政情"],"status":"published","publishedAt":"2026-11-26T08:00:00.000Z"}',
  '{"type":"article","externalId":"x-3","section":"tianjin","title":"草稿","body":"<p>内容</p>","status":"draft"}',
];

const configOf = (url: string): StoreConfig => ({ databasePath: 'unused.db', postgres: { url, poolSize: 2, statementTimeoutMs: 30_000 } });

/** A fresh database holding the content above, and a pool on it for the faults. */
async function withContent(t: Test): Promise<{ url: string; pool: pg.Pool }> {
  const url = await freshDatabase(t);
  const dir = t.testdir({ 'seed.ndjson': `${LINES.join('\n')}\n` });
  const io = captureIo();
  t.equal(await importCommand([join(dir, 'seed.ndjson')], io.io, configOf(url)), 0, io.err.join('\n'));
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // An idle client the database's drop ends (FORCE, at the test's end) is no failure of the test;
  // a query on a lost client still fails on its own.
  pool.on('error', () => {});
  t.teardown(() => pool.end());
  return { url, pool };
}

async function check(url: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const io = captureIo();
  const code = await checkCommand([], io.io, configOf(url));
  return { code, out: io.out, err: io.err };
}

const idOf = async (pool: pg.Pool, externalId: string) => Number((await pool.query('SELECT id FROM articles WHERE external_id = $1', [externalId])).rows[0].id);

t.test('a healthy database: integrity ok, amcheck created for the check and dropped after it', async (t) => {
  const { url, pool } = await withContent(t);
  const run = await runCli(['check'], { env: { DATABASE_URL: url } });
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stderr, '', 'no warning, no damage');
  const lines = run.stdout.trim().split('\n');
  t.match(lines.at(-1), /^PostgreSQL 127\.0\.0\.1:5432\/\w+: 3 articles \(3 search entries compared\), \d+ tables, \d+ indexes, pages checked with amcheck, integrity ok, in [\d.]+ s$/);
  t.match(run.stdout, /data checksums are (off|on)/, 'says whether the server has data checksums');
  t.match(run.stdout, /article_search_tsv_idx \(gin\).*no amcheck for these index types/, 'says what amcheck cannot check');
  t.match(run.stdout, /amcheck was created for the check and dropped after it/);
  t.equal((await pool.query("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")).rowCount, 0, 'no extension left behind');

  await pool.query('CREATE EXTENSION amcheck');
  const again = await check(url);
  t.equal(again.code, 0, again.err.join('\n'));
  t.notMatch(again.out.join('\n'), /dropped/, 'an extension that was there before is used and kept');
  t.equal((await pool.query("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")).rowCount, 1);
});

t.test("Masthead's rules: each fault written past the app is one line, and the check ends damaged (exit 1)", async (t) => {
  const { url, pool } = await withContent(t);
  const [x1, x2, x3] = [await idOf(pool, 'x-1'), await idOf(pool, 'x-2'), await idOf(pool, 'x-3')];
  await pool.query('DELETE FROM article_search WHERE article_id = $1', [x3]);
  await pool.query("UPDATE article_search SET body = body || ' 伪造' WHERE article_id = $1", [x2]);
  await pool.query("DELETE FROM article_tags WHERE article_id = $1 AND tag = '经济'", [x1]);
  await pool.query('UPDATE related_links SET target_article_id = article_id WHERE target_article_id IS NOT NULL');
  await pool.query("INSERT INTO article_revisions (article_id, revision, snapshot, created_at) VALUES ($1, 99, '{}', 0)", [x2]);
  await pool.query("INSERT INTO article_slug_history (slug, article_id, created_at) SELECT slug, $1, 0 FROM articles WHERE id = $2", [x1, x2]);
  await pool.query("UPDATE sections SET parent_id = (SELECT id FROM sections WHERE slug = 'binhai') WHERE slug = 'tianjin'");
  await pool.query("UPDATE sources SET slug = 'Xin Hua'");
  await pool.query('DELETE FROM content_generation');
  await pool.query("SELECT setval(pg_get_serial_sequence('articles', 'id'), 1)");
  await pool.query("DELETE FROM change_events WHERE resource = 'article' AND resource_id = $1", [x3]);
  // What a pg_dump restored onto another server looks like: events of transactions this server has not reached.
  await pool.query('UPDATE change_events SET xid = (pg_current_xact_id()::text::int8 + 1000000)::text::xid8 WHERE resource_id = $1', [x2]);

  const { code, out, err } = await check(url);
  t.equal(code, 1);
  const text = err.join('\n');
  for (const [what, pattern] of [
    ['a missing search entry', new RegExp(`damage: 1 articles have no search-index entry \\(${x3}\\): .*masthead reindex`)],
    ['a search entry unlike what the app writes', new RegExp(`damage: 1 articles' search-index entries differ from what this build writes for their text \\(${x2}\\)`)],
    ['tag rows', new RegExp(`damage: 1 articles' tag rows differ from their tags \\(${x1}\\)`)],
    ['a self link', /damage: 1 related links point at their own article/],
    ['a revision from the future', new RegExp(`damage: 1 revisions .* \\(${x2} rev 99\\)`)],
    ['an old slug that is also current', /damage: 1 old slugs .*current slug too \(gan-su/],
    ['a section cycle', /damage: 2 sections are their own ancestors/],
    ['a bad slug', /damage: 1 slugs are not of lower-case letters/],
    ['the content generation', /damage: content_generation has 0 rows/],
    ['a sequence behind its table', /damage: articles: the next id is 2, and a row has \d+: new rows will collide/],
    ['an article the feed never mentioned', new RegExp(`damage: 1 articles have no event in the change feed \\(${x3}\\)`)],
    ['events of transactions still to come', /damage: \d+ change-feed events carry transaction ids this server has not reached/],
  ] as const) t.match(text, pattern, what);
  t.match(err.at(-1), /: damaged: 12 problems, the first: .* \(checked in [\d.]+ s\); see docs\/backup\.md, "PostgreSQL"$/);
  t.notMatch(out.join('\n'), /integrity ok/);
});

t.test('rows that refer to nothing (foreign keys bypassed) are found', async (t) => {
  const { url, pool } = await withContent(t);
  const client = await pool.connect();
  try {
    // Replica mode skips the foreign keys' triggers: what a restore by hand or a broken replication can leave.
    await client.query("SET session_replication_role = replica; DELETE FROM articles WHERE external_id = 'x-2'; RESET session_replication_role");
  } finally {
    client.release();
  }
  const { code, err } = await check(url);
  t.equal(code, 1);
  t.match(err.join('\n'), /1 search-index entries belong to no article/);
  t.match(err.join('\n'), /tag rows belong to no article/);
  t.match(err.join('\n'), /1 related links belong to or point at an article that does not exist/);
});

t.test('a unique index that missed rows: amcheck finds the entries missing, and the table has two articles with one slug', async (t) => {
  const { url, pool } = await withContent(t);
  // Only in this test's own database: index upkeep switched off while one row is written (no file is touched).
  await pool.query("UPDATE pg_index SET indisready = false WHERE indexrelid = 'articles_slug_unique'::regclass");
  await pool.query(
    `INSERT INTO articles (slug, title, section_id, created_at, updated_at) SELECT slug, '重复', section_id, 0, 0 FROM articles WHERE external_id = 'x-1'`,
  );
  await pool.query("UPDATE pg_index SET indisready = true WHERE indexrelid = 'articles_slug_unique'::regclass");
  const { code, err } = await check(url);
  t.equal(code, 1);
  const text = err.join('\n');
  t.match(text, /damage: index articles_slug_unique on articles: heap tuple .* lacks matching index tuple/, "amcheck's own words, naming the index");
  t.match(text, /damage: 1 slugs are held by more than one article \(gang-kou/, 'counted from the table, not through the index');
});

t.test("the catalogue: an index left invalid and a missing index are damage, as the start-up check says (health/startup-check-pg)", async (t) => {
  const { url, pool } = await withContent(t);
  await pool.query("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'articles_slug_unique'::regclass; DROP INDEX articles_title_idx");
  const { code, err } = await check(url);
  t.equal(code, 1);
  const text = err.join('\n');
  t.match(text, /damage: index articles_slug_unique on articles is not valid .*REINDEX INDEX articles_slug_unique/);
  t.match(text, /damage: index articles_title_idx on articles is missing/);
});

t.test('without amcheck (a role that may not create it): one warning, the rules still run, exit 0', async (t) => {
  const { url, asRole, role } = await emptyDatabaseOfNewRole(t, 'masthead_noamcheck');
  const migrated = await runCli(['migrate'], { env: { DATABASE_URL: asRole } });
  t.equal(migrated.code, 0, migrated.stderr);

  const ok = await check(asRole);
  t.equal(ok.code, 0, ok.err.join('\n'));
  t.match(ok.err, [new RegExp(`warning: amcheck is not installed and role ${role} may not create it \\(a superuser runs CREATE EXTENSION amcheck once\\): the pages of tables and indexes were not checked, only Masthead's own rules$`)]);
  t.equal(ok.err.length, 1, 'one line');
  t.match(ok.out.at(-1), /0 articles .* pages not checked \(no amcheck\), integrity ok \(1 warning above\), in [\d.]+ s$/);

  // Installed by a superuser but not granted: amcheck's functions are revoked from PUBLIC.
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  t.teardown(() => pool.end());
  await pool.query('CREATE EXTENSION amcheck');
  const refused = await check(asRole);
  t.equal(refused.code, 0);
  t.match(refused.err.join('\n'), /warning: amcheck refused this role \(permission denied for function verify_heapam\): a superuser runs the check, or grants EXECUTE/);

  // What docs/postgres.md tells a superuser to run for such a role.
  await pool.query(`GRANT EXECUTE ON FUNCTION verify_heapam(regclass, boolean, boolean, text, bigint, bigint), bt_index_check(regclass, boolean) TO ${role}`);
  const granted = await check(asRole);
  t.equal(granted.code, 0, granted.err.join('\n'));
  t.same(granted.err, [], 'no warning once granted');
  t.match(granted.out.at(-1), /pages checked with amcheck, integrity ok, in/);

  await pool.query('DELETE FROM content_generation');
  const damaged = await check(asRole);
  t.equal(damaged.code, 1, 'the rules still find damage');
  t.match(damaged.err.at(-1), /damaged: content_generation has 0 rows/);
});

t.test('a server that does not answer, a FILE with DATABASE_URL, a database without Masthead', async (t) => {
  const down = await runCli(['check'], { env: { DATABASE_URL: 'postgres://masthead:secret@127.0.0.1:1/masthead' } });
  t.equal(down.code, 2);
  t.equal(down.stderr.trim().split('\n').length, 1, down.stderr);
  t.match(down.stderr, /^PostgreSQL at 127\.0\.0\.1:1\/masthead refused the connection/);
  t.notMatch(down.stderr, /secret/);
  t.notOk(hasStack(down.stderr));

  const url = await emptyDatabase(t);
  const usage = await runCli(['check', 'some.db'], { env: { DATABASE_URL: url } });
  t.equal(usage.code, 2);
  t.match(usage.stderr, /^check takes no FILE when DATABASE_URL is set/);

  const empty = await check(url);
  t.equal(empty.code, 1);
  t.match(empty.err.at(-1), /damaged: not a Masthead database \(no articles table\): masthead migrate makes one/);
});
