// PostgreSQL-specific: the PostgreSQL store as a whole (src/store/postgres/store.ts): what several nodes on one database share, and a lost server.
import { createServer } from 'node:net';
import type pg from 'pg';
import t from 'tap';
import { buildApp } from '../../../src/app.js';
import { testConfig } from '../../../src/config.js';
import { rebuildSearchIndex } from '../../../src/search/index.js';
import { searchQueryOf } from '../../../src/search/query.js';
import { createStores } from '../../../src/stores.js';
import { createPool } from '../../../src/store/postgres/connection.js';
import { createPostgresStore, openPostgresStore } from '../../../src/store/postgres/store.js';
import { sqliteHandleOf } from '../../../src/store/sqlite/store.js';
import { testClock } from '../../helpers/app.js';
import { freshDatabase } from '../../helpers/postgres.js';

const EDITOR = { editor: true, now: Date.UTC(2026, 10, 27), sectionIds: null, sourceIds: null };

t.test('two stores on one database (two nodes) share the content generation, moved only by content units', async (t) => {
  const url = await freshDatabase(t);
  const a = (await openPostgresStore(url, { poolSize: 2 })).store;
  const b = (await openPostgresStore(url, { poolSize: 2 })).store;
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const start = await b.contentGeneration();
  await createStores(a, testClock()).sections.create({ name: '天津' });
  const moved = await b.contentGeneration();
  t.ok(moved > start, 'a write on node A is seen by node B at once');
  await a.write(async (tx) => void (await tx.sections.byId(1)));
  t.equal(await b.contentGeneration(), moved, 'a unit that changed no content leaves it');
  await t.rejects(
    a.write(async (tx) => {
      tx.contentChanged();
      throw new Error('boom');
    }),
    /boom/,
  );
  t.equal(await b.contentGeneration(), moved, 'nor does one that rolled back');
  await a.ping();
});

t.test('a PostgreSQL store names no database for a thread (imports run on the request loop) and has no SQLite handle', async (t) => {
  const { store } = await openPostgresStore(await freshDatabase(t), { poolSize: 1 });
  t.teardown(() => store.close());
  t.equal(store.thread, null);
  t.throws(() => sqliteHandleOf(store), /^sqliteHandleOf: a postgres store, not one the SQLite adapter made$/);
});

t.test('the search index rebuilt from the articles finds what the writes indexed', async (t) => {
  const { store } = await openPostgresStore(await freshDatabase(t), { poolSize: 2 });
  t.teardown(() => store.close());
  const stores = createStores(store, testClock());
  const section = await stores.sections.create({ name: '天津' });
  for (const title of ['滨海新区协作新闻', '天津港口吞吐量', '滨海新区港口']) await stores.articles.create({ title, body: '<p>正文</p>', sectionId: section.id, status: 'published' }, null);
  const find = async (q: string) => (await store.search.rank(searchQueryOf(q), {}, EDITOR, undefined, 10)).map((r) => r.id).sort();
  const before = { hai: await find('滨海'), port: await find('港口') };
  t.same(before, { hai: [1, 3], port: [2, 3] });
  await store.write(async (tx) => void (await tx.searchIndex.remove(1)));
  t.same(await find('滨海'), [3], 'an entry removed is not found');
  t.same(await rebuildSearchIndex(store), { articles: 3 });
  t.same({ hai: await find('滨海'), port: await find('港口') }, before, 'the rebuilt index finds the same');
  t.match(await store.search.details([3]), [{ id: 3, title: '滨海新区港口', section: { id: section.id, slug: section.slug } }]);
});

t.test('a server that goes away: reads and writes answer the 503 of the catalogue, quick answers stay synchronous', async (t) => {
  // A port that accepts connections and closes them at once: a server lost mid-flight.
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as { port: number };
  const store = createPostgresStore(createPool(`postgres://postgres@127.0.0.1:${port}/masthead`, { connectTimeoutMs: 1000 }));
  t.teardown(() => store.close());
  const unavailable = { code: 'database-unavailable', status: 503 };
  await t.rejects(store.articles.byId(1), unavailable, 'a read');
  await t.rejects(store.write(async (tx) => tx.sections.byId(1)), unavailable, 'a unit of work');
  await t.rejects(store.contentGeneration(), unavailable, 'the content generation');
  await t.rejects(store.ping(), unavailable, 'the readiness probe');
  t.equal(store.feed.owns(0), true, 'owns answers at once, not as a promise');
  t.equal(store.feed.owns(5), false, "SQLite's positions are not this feed's");
});

t.test('readiness: a database that takes no writes (read-only by setting, or a standby in recovery) is the 503 database-read-only', async (t) => {
  const url = await freshDatabase(t);
  const admin = createPool(url, { poolSize: 1 });
  t.teardown(() => admin.end());
  await admin.query(`ALTER DATABASE "${new URL(url).pathname.slice(1)}" SET default_transaction_read_only = on`);
  const { store } = await openPostgresStore(url, { poolSize: 2 }).catch(() => ({ store: undefined }));
  t.notOk(store, 'start-up on it fails (the migrations cannot write there): no node starts serving it');
  const readOnly = createPostgresStore(createPool(url, { poolSize: 2 }));
  t.teardown(() => readOnly.close());
  const app = await buildApp(testConfig(), { store: readOnly, clock: testClock() });
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(res.statusCode, 503);
  t.match(res.json(), { code: 'database-read-only', detail: /default_transaction_read_only is on/ });

  // A standby cannot be made here; a pool that answers as one stands in (the statement is the same).
  const standby = { options: { max: 2 }, query: async () => ({ rows: [{ recovery: true, readOnly: true }] }), end: async () => undefined } as unknown as pg.Pool;
  await t.rejects(createPostgresStore(standby).ping(), { code: 'database-read-only', status: 503, message: /standby in recovery .*DATABASE_URL must name the primary/ });
  await admin.query(`ALTER DATABASE "${new URL(url).pathname.slice(1)}" RESET default_transaction_read_only`);
  const writable = createPostgresStore(createPool(url, { poolSize: 1 }));
  await writable.ping();
  await writable.close();
});
