// PostgreSQL-specific: the backup procedure docs/backup.md gives for PostgreSQL (pg_dump -Fc, pg_restore into an empty database, masthead migrate), played with the server's own tools.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { importCommand } from '../../src/cli/import.js';
import { testConfig } from '../../src/config.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { createKey, testClock } from '../helpers/app.js';
import { captureIo, runCli } from '../helpers/cli.js';
import { emptyDatabase, freshDatabase } from '../helpers/postgres.js';

const run = promisify(execFile);

const LINES = [
  '{"type":"section","slug":"tianjin","name":"天津"}',
  '{"type":"section","slug":"binhai","name":"滨海","parent":"tianjin"}',
  '{"type":"source","slug":"xinhua","name":"新华社","kind":"agency","url":"https://www.news.cn/"}',
  '{"type":"article","externalId":"x-1","section":"binhai","source":"xinhua","title":"天津港集装箱吞吐量创新高","body":"<p>𠀀 扩展B区 ‘引号’ 😀 天津港</p>","tags":["港口","经济"],"status":"published","publishedAt":"2026-11-27T08:00:00.000Z","relatedLinks":[{"externalId":"x-2"},{"url":"https://example.com/背景","title":"背景"}]}',
  '{"type":"article","externalId":"x-2","section":"tianjin","title":"甘肃省党政代表团来津考察","body":"<p>京津冀协同发展 天津</p>","status":"published","publishedAt":"2026-11-26T08:00:00.000Z"}',
  '{"type":"article","externalId":"x-3","section":"tianjin","title":"草稿：尚未发布","body":"<p>内容</p>","status":"draft"}',
];

/** What a client reads: the answers of the API on a database, with the same key and clock. */
async function answers(url: string, key: { authorization: string }) {
  const { store } = await openPostgresStore(url, { poolSize: 2 });
  const app = await buildApp(testConfig(), { store, clock: testClock() });
  try {
    await app.ready();
    const urls = ['/v1/articles?include=section,source,relatedLinks', '/v1/articles?status=draft', '/v1/sections/tree', '/v1/search?q=天津', '/v1/changes?limit=100', '/v1/export', '/v1/keys'];
    const out: Record<string, { status: number; body: unknown; etag: unknown }> = {};
    for (const path of urls) {
      // inject, not call: the export's NDJSON is no one JSON document.
      const res = await app.inject({ method: 'GET', url: encodeURI(path), headers: key });
      out[path] = { status: res.statusCode, body: res.body, etag: res.headers.etag };
    }
    return out;
  } finally {
    await app.close();
    await store.close();
  }
}

t.test('pg_dump -Fc, pg_restore into an empty database, masthead migrate: the API answers the same on the copy, with RUM', async (t) => {
  const source = await freshDatabase(t);
  const dir = t.testdir({ 'seed.ndjson': `${LINES.join('\n')}\n` });
  const io = captureIo();
  t.equal(await importCommand([join(dir, 'seed.ndjson')], io.io, { databasePath: 'unused.db', postgres: { url: source, poolSize: 2, statementTimeoutMs: 30_000 } }), 0, io.err.join('\n'));
  const { store } = await openPostgresStore(source, { poolSize: 1 });
  const admin = await createKey(store, testClock(), { scope: 'admin' });
  await store.close();
  const sourcePool = new pg.Pool({ connectionString: source, max: 1 });
  t.teardown(() => sourcePool.end());
  t.equal((await sourcePool.query("SELECT 1 FROM pg_indexes WHERE indexname = 'article_search_tsv_rum'")).rowCount, 1, 'the source searches with RUM (postgresql-15-rum installed: .ci/run)');

  // docs/backup.md: the whole database, one consistent snapshot, in the custom format.
  const dump = join(dir, 'masthead.dump');
  await run('pg_dump', ['--format=custom', `--file=${dump}`, source]);
  const target = await emptyDatabase(t);
  await run('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${target}`, dump]);
  const migrate = await runCli(['migrate'], { env: { DATABASE_URL: target } });
  t.equal(migrate.code, 0, migrate.stderr);
  t.match(migrate.stdout, /: migrations applied\n.*search ranks with the RUM index \(article_search_tsv_rum\)/, 'not a new database; the RUM index came back with the dump');

  const checked = await runCli(['check'], { env: { DATABASE_URL: target } });
  t.equal(checked.code, 0, checked.stderr);
  t.match(checked.stdout, /3 articles \(3 search entries compared\).*integrity ok/);

  const [before, after] = [await answers(source, admin.header), await answers(target, admin.header)];
  t.equal(after['/v1/articles?include=section,source,relatedLinks']!.status, 200, 'the API key came with the dump');
  t.match(after['/v1/search?q=天津']!.body, /天津港集装箱吞吐量创新高/, 'search finds the articles');
  for (const path of Object.keys(before)) t.same(after[path], before[path], `${path}: the same answer, byte for byte`);

  const exported = await Promise.all([source, target].map((url) => runCli(['export'], { env: { DATABASE_URL: url } })));
  t.equal(exported[1]!.stdout, exported[0]!.stdout, 'masthead export gives the same bytes');
});

t.test('a dump restored onto another server: the check finds the change feed ahead of it, and the step docs/backup.md gives mends it', async (t) => {
  const url = await freshDatabase(t);
  const dir = t.testdir({ 'seed.ndjson': `${LINES.join('\n')}\n` });
  const config = { databasePath: 'unused.db', postgres: { url, poolSize: 2, statementTimeoutMs: 30_000 } };
  t.equal(await importCommand([join(dir, 'seed.ndjson')], captureIo().io, config), 0);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  t.teardown(() => pool.end());
  // Another server's transaction ids are not this one's: a server whose counter is behind the dump's.
  await pool.query('UPDATE change_events SET xid = (pg_current_xact_id()::text::int8 + 1000000)::text::xid8');
  const { store } = await openPostgresStore(url, { poolSize: 1 });
  t.teardown(() => store.close());
  t.same((await store.feed.read(0, 100, { editor: true, now: Date.now(), sectionIds: null, sourceIds: null })).events, [], 'the feed serves none of the restored events');

  const damaged = await runCli(['check'], { env: { DATABASE_URL: url } });
  t.equal(damaged.code, 1);
  t.match(damaged.stderr, /change-feed events carry transaction ids this server has not reached .*docs\/backup\.md/);

  await pool.query("UPDATE change_events SET xid = '1'");
  const ok = await runCli(['check'], { env: { DATABASE_URL: url } });
  t.equal(ok.code, 0, ok.stderr);
  const { events } = await store.feed.read(0, 100, { editor: true, now: Date.now(), sectionIds: null, sourceIds: null });
  t.equal(events.length, (await pool.query('SELECT count(*)::int AS n FROM change_events')).rows[0].n, 'every restored event is served again, in cursor order');
});
