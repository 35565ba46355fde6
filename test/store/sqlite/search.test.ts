// SQLite-specific: the SQLite store's search threads (a read-only connection each, on a database file) and data_version, which sees any other connection's commit.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import t from 'tap';
import { generate } from '../../../bench/generate.js';
import { buildApp } from '../../../src/app.js';
import { testConfig } from '../../../src/config.js';
import { createSearchStore } from '../../../src/search/store.js';
import { createStores } from '../../../src/stores.js';
import { openDatabase } from '../../../src/store/sqlite/connection.js';
import { SEARCH_POOL } from '../../../src/store/sqlite/search-pool.js';
import { createSqliteStore, openSqliteStore } from '../../../src/store/sqlite/store.js';
import { changeRowQuietly } from '../../helpers/change-row-quietly.js';
import { assertProblem, call, createKey, testClock } from '../../helpers/app.js';
import { ndjson } from '../../transfer/fixtures.js';

t.test('on a database file, uncached searches run on their own thread; a flood past the queue is a 503 with Retry-After', async (t) => {
  const path = join(t.testdir(), 'db.sqlite');
  const { store } = openSqliteStore(path);
  const clock = testClock('2027-06-01T00:00:00.000Z');
  const app = await buildApp(testConfig(), { store, clock });
  t.teardown(async () => {
    await app.close();
    await store.close();
  });
  const write = (await createKey(store, clock, { scope: 'write' })).header;
  const imported = await app.inject({ method: 'POST', url: '/v1/import', headers: { ...write, 'content-type': 'application/x-ndjson' }, payload: ndjson([...generate({ articles: 300 })]) });
  t.equal(imported.statusCode, 200);

  const q = '天津';
  const res = await call(app, { method: 'GET', url: `/v1/search?q=${encodeURIComponent(q)}&limit=20` });
  t.equal(res.status, 200);
  // The same file ranked on the request loop: a store on a connection of its own, with no threads.
  const loop = createSqliteStore(openDatabase(path, { readonly: true }), undefined, { search: { ...SEARCH_POOL, threads: 0 } });
  t.teardown(() => loop.close());
  const here = await createSearchStore(loop).search({ q, limit: 20 }, { editor: false, now: clock(), keyId: null, sectionIds: null, sourceIds: null });
  t.same(res.body.data, here.hits, 'the thread finds what the request loop would, scores and snippets included');
  t.ok(res.body.data.length > 0);

  assertProblem(t, await call(app, { method: 'GET', url: '/v1/search?q=%22' }), 400);

  // Thirty distinct single characters at once, as a scraper would send them.
  const chars = [...'的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你'].slice(0, 30);
  const answers = await Promise.all(chars.map((c) => call(app, { method: 'GET', url: `/v1/search?q=${encodeURIComponent(c)}` })));
  const statuses = answers.map((a) => a.status);
  t.ok(statuses.every((s) => s === 200 || s === 503), `only answers or refusals (${statuses.join(' ')})`);
  t.ok(statuses.filter((s) => s === 200).length >= 5, 'the one running and the four waiting are answered');
  const refused = answers.find((a) => a.status === 503);
  t.ok(refused, 'the rest are refused at once');
  assertProblem(t, refused!, 503, 'search-busy');
  t.equal(refused!.headers['retry-after'], '1');
  const again = await call(app, { method: 'GET', url: `/v1/search?q=${encodeURIComponent(chars[29]!)}` });
  t.equal(again.status, 200, 'answered once the queue has room');
});

t.test('a refused query crosses the thread as its 400; a closed store stops its search threads and ranks no more', async (t) => {
  const { store } = openSqliteStore(join(t.testdir(), 'db.sqlite'));
  const query = { phrases: [[{ text: '天津', prefix: false }]] };
  const reader = { editor: false, now: Date.now(), sectionIds: null, sourceIds: null };
  t.same(await store.search.rank(query, {}, reader, undefined, 10), [], 'ranked on a thread');
  await t.rejects(store.search.rank({ phrases: [] }, {}, reader, undefined, 10), { code: 'validation-failed', status: 400, extra: { errors: [{ pointer: '/q' }] } }, 'a refused query is the 400 from a thread too');
  await store.close();
  await t.rejects(store.search.rank(query, {}, reader, undefined, 10), /closed/);
});

t.test('a write by another process (an import or reindex from the command line) invalidates the cache', async (t) => {
  const path = join(t.testdir(), 'm.db');
  const { store: port } = openSqliteStore(path);
  t.teardown(() => port.close());
  const clock = testClock();
  const stores = createStores(port, clock);
  const section = await stores.sections.create({ name: '天津', slug: 'tianjin' });
  const row = await stores.articles.create({ title: '协作新闻', sectionId: section.id, status: 'published', publishedAt: '2023-04-19T00:00:00.000Z' }, null);
  const store = createSearchStore(port, { cacheSize: 10 });
  const reader = { editor: false, now: clock(), keyId: null, sectionIds: null, sourceIds: null };
  t.equal((await store.search({ q: '协作', limit: 20 }, reader)).hits[0]?.title, '协作新闻');
  await changeRowQuietly(port, 'articles', row.id, { title: '协作新闻 同一连接' });
  t.equal((await store.search({ q: '协作', limit: 20 }, reader)).hits[0]?.title, '协作新闻', 'cached: this connection wrote past the listeners');
  const other = new Database(path);
  other.prepare('UPDATE articles SET title = ? WHERE id = ?').run('协作新闻 另一进程', row.id);
  other.close();
  t.equal((await store.search({ q: '协作', limit: 20 }, reader)).hits[0]?.title, '协作新闻 另一进程', 'another connection committed: data_version moved');
});
