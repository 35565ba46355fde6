import { join } from 'node:path';
import t from 'tap';
import { generate } from '../../bench/generate.js';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
import { createSearchStore } from '../../src/search/store.js';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import { assertProblem, call, createKey, testClock } from '../helpers/app.js';
import { ndjson } from '../transfer/fixtures.js';

t.test('on a database file, uncached searches run on their own thread; a flood past the queue is a 503 with Retry-After', async (t) => {
  const path = join(t.testdir(), 'db.sqlite');
  const db = openDatabase(path);
  migrateDatabase(db);
  const clock = testClock('2027-06-01T00:00:00.000Z');
  const store = createSqliteStore(db, openDatabase(path, { readonly: true }));
  const app = await buildApp(testConfig(), { store, clock });
  t.teardown(async () => {
    await app.close();
    db.$client.close();
  });
  const write = (await createKey(store, clock, { scope: 'write' })).header;
  const imported = await app.inject({ method: 'POST', url: '/v1/import', headers: { ...write, 'content-type': 'application/x-ndjson' }, payload: ndjson([...generate({ articles: 300 })]) });
  t.equal(imported.statusCode, 200);

  const q = '天津';
  const res = await call(app, { method: 'GET', url: `/v1/search?q=${encodeURIComponent(q)}&limit=20` });
  t.equal(res.status, 200);
  const here = await createSearchStore(db).search({ q, limit: 20 }, { editor: false, now: clock(), keyId: null, sectionIds: null, sourceIds: null });
  t.same(res.body.data.map((h: { id: number }) => h.id), here.hits.map((h) => h.id), 'the thread finds what the request loop would');
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
