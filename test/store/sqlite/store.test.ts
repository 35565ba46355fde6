// SQLite-specific: the SQLite store on a file: another process holding the write lock, a full disk (max_page_count).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../../src/app.js';
import { testConfig } from '../../../src/config.js';
import { AppError } from '../../../src/common/errors.js';
import { openSqliteStore, sqliteHandleOf } from '../../../src/store/sqlite/store.js';
import { assertProblem, call, createKey, testClock } from '../../helpers/app.js';

const section = (slug: string) => ({ slug, name: slug, description: null, parentId: null, position: 0, createdAt: Date.now() });

t.test('a writer waits for another process’s lock off the event loop, then answers 503 with Retry-After', async (t) => {
  const path = join(t.testdir(), 'm.db');
  const { store } = openSqliteStore(path, { busyTimeoutMs: 300 });
  t.teardown(() => store.close());
  const other = new Database(path);
  t.teardown(() => other.close());
  other.exec('BEGIN IMMEDIATE');

  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = Date.now();
  const error = await store.write((tx) => tx.sections.insert(section('waited'))).catch((e: unknown) => e);
  clearInterval(timer);
  t.ok(error instanceof AppError, 'a problem, not SQLite’s error');
  t.match(error, { code: 'database-busy', status: 503, extra: { headers: { 'retry-after': '1' } } });
  t.ok(Date.now() - started >= 290, 'it waited for the timeout');
  // A wait that blocked the loop would let at most one coalesced tick through.
  t.ok(ticks >= 3, `the event loop kept turning while it waited (${ticks} ticks)`);

  const waiting = store.write((tx) => tx.sections.insert(section('later')));
  setTimeout(() => other.exec('COMMIT'), 50);
  t.match(await waiting, { slug: 'later' }, 'once the lock is released, the waiting unit goes through');
});

t.test('over HTTP, a busy database is a 503 problem+json and a full disk a 507, and reads keep working', async (t) => {
  const path = join(t.testdir(), 'm.db');
  const { store } = openSqliteStore(path, { busyTimeoutMs: 100 });
  const clock = testClock();
  const app = await buildApp(testConfig(), { store, clock });
  t.teardown(async () => {
    await app.close();
    await store.close();
  });
  const auth = (await createKey(store, clock, { scope: 'write' })).header;
  t.equal((await call(app, { method: 'POST', url: '/v1/sections', headers: auth, payload: { slug: 'tianjin', name: '天津' } })).status, 201);

  const other = new Database(path);
  other.exec('BEGIN IMMEDIATE');
  const busy = await call(app, { method: 'POST', url: '/v1/sections', headers: auth, payload: { slug: 'busy', name: '忙' } });
  assertProblem(t, busy, 503, 'database-busy');
  t.equal(busy.headers['retry-after'], '1');
  other.exec('ROLLBACK');
  other.close();

  // A database that may not grow is what a full disk looks like to SQLite (SQLITE_FULL).
  const sqlite = sqliteHandleOf(store).$client;
  const pages = sqlite.pragma('page_count', { simple: true }) as number;
  sqlite.pragma(`max_page_count = ${pages}`);
  let full: Awaited<ReturnType<typeof call>> | undefined;
  let slug = '';
  for (let i = 0; i < 100 && full?.status !== 507; i++) {
    slug = `full-${i}`;
    full = await call(app, { method: 'POST', url: '/v1/sections', headers: auth, payload: { slug, name: '满', description: '满'.repeat(1000) } });
    if (full.status !== 507) t.equal(full.status, 201, 'created while there is room');
  }
  assertProblem(t, full!, 507, 'storage-full');
  const read = await call(app, { method: 'GET', url: '/v1/sections/slug/tianjin' });
  t.equal(read.status, 200, 'reads go on');
  t.equal((await call(app, { method: 'GET', url: `/v1/sections/slug/${slug}` })).status, 404, 'nothing of the failed write was kept');
});

t.test('reads outside a unit never see its uncommitted rows (file database: a reader connection)', async (t) => {
  const { store } = openSqliteStore(join(t.testdir(), 'm.db'));
  t.teardown(() => store.close());
  let seenInside: unknown = 'not read';
  await store.write(async (tx) => {
    await tx.sections.insert(section('open'));
    t.ok(await tx.sections.bySlug('open'), 'the unit sees its own write');
    seenInside = await store.sections.bySlug('open');
  });
  t.equal(seenInside, undefined, 'a reader outside the unit did not see it before the commit');
  t.ok(await store.sections.bySlug('open'), 'and sees it after');
});

t.test('a file store tells a thread its file; an in-memory one, which a thread cannot share, tells none', async (t) => {
  const path = join(t.testdir(), 'm.db');
  const { store } = openSqliteStore(path);
  t.teardown(() => store.close());
  t.same(store.thread, { dialect: 'sqlite', file: path });
  t.equal(sqliteHandleOf(store).$client.name, path, 'the SQLite-specific tests get the writing connection of that file');
  const memory = openSqliteStore(':memory:').store;
  t.teardown(() => memory.close());
  t.equal(memory.thread, null);
  t.throws(() => sqliteHandleOf({ ...memory }), /not one the SQLite adapter made/, 'a store the adapter did not make has no handle');
});
