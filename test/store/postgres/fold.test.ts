// PostgreSQL-specific: pending search entries (src/store/postgres/fold.ts), kept out of the RUM index when written, found by searches all the same, and folded into RUM in the background.
import type pg from 'pg';
import t, { type Test } from 'tap';
import { documentOf } from '../../../src/search/index.js';
import { searchQueryOf } from '../../../src/search/query.js';
import type { SearchRank } from '../../../src/store/port.js';
import { createPool, migrateDatabase } from '../../../src/store/postgres/connection.js';
import { FOLD_BATCH, FOLD_LOCK, foldPending } from '../../../src/store/postgres/fold.js';
import { RUM_INDEX } from '../../../src/store/postgres/rum.js';
import { createSearchRepo } from '../../../src/store/postgres/search.js';
import { openPostgresStore } from '../../../src/store/postgres/store.js';
import { freshDatabase, TEST_DATABASE_URL } from '../../helpers/postgres.js';
import { allPages, byOrder, fill, N, READER, recording } from './ranked.js';

const pendingIds = async (pool: pg.Pool): Promise<number[]> =>
  (await pool.query<{ id: number }>('SELECT article_id AS id FROM article_search WHERE pending ORDER BY article_id')).rows.map((r) => Number(r.id));

/** Every match of `term` (those GIN finds for the reader), ranked one by one with `<=>`, in SearchRank's order: what the pages must add up to. */
async function expected(pool: pg.Pool, term: string): Promise<SearchRank[]> {
  const ids = (await allPages(createSearchRepo(pool, 'gin'), term, 50)).ranks.map((r) => r.id);
  const { rows } = await pool.query<SearchRank>(
    `SELECT s.article_id AS id, a.published_at AS pub, (-1 / (s.tsv <=> $1::tsquery)::float8) AS rank
       FROM article_search s JOIN articles a ON a.id = s.article_id WHERE s.article_id = ANY($2::int8[])`,
    [term, ids],
  );
  return rows.sort(byOrder);
}

async function foldAll(pool: pg.Pool): Promise<number> {
  let total = 0;
  for (let n: number | null; (n = await foldPending(pool)) !== 0; ) total += n ?? 0;
  return total;
}

async function rumStore(t: Test) {
  const admin = createPool(TEST_DATABASE_URL, { poolSize: 1 });
  const available = (await admin.query("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")).rowCount === 1;
  await admin.end();
  if (!available) throw new Error('PostgreSQL at TEST_DATABASE_URL has no RUM extension: install postgresql-15-rum (CI installs it, .ci/run)');
  const url = await freshDatabase(t);
  const { store, search } = await openPostgresStore(url, { poolSize: 3 });
  t.teardown(() => store.close());
  t.equal(search.method, 'rum');
  const pool = createPool(url, { poolSize: 3 });
  t.teardown(() => pool.end());
  return { url, store, pool };
}

t.test('with RUM, a write leaves its entry pending, out of RUM; searches find it with the rank it has once folded, page after page', async (t) => {
  const { store, pool } = await rumStore(t);
  await fill(pool);
  // One in seven written again since the last fold: pending, as a unit's put leaves it.
  await pool.query('UPDATE article_search SET pending = true WHERE article_id % 7 = 0');
  // And one through the store's own unit of work, with a text of its own (79: published, dated, not pending before).
  const doc = documentOf({ id: 79, title: 'rare rare', subtitle: null, summary: null, bodyText: 'common', tags: [] });
  await store.write((tx) => tx.searchIndex.put(79, doc));
  const pending = await pendingIds(pool);
  t.equal(pending.length, Math.floor(N / 7) + 1, 'the put left its entry pending');
  t.ok(pending.includes(79));

  const { q, statements } = recording(pool);
  const rum = createSearchRepo(q, 'rum');
  await rum.rank(searchQueryOf('common'), {}, READER, undefined, 21);
  t.equal(statements.length, 1, 'one read for both: the RUM index and the pending entries');
  const plan = (await pool.query(`EXPLAIN ${statements[0]!.text}`, statements[0]!.values)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
  t.match(plan, new RegExp(`Index Scan using ${RUM_INDEX} on article_search`), 'entries not pending: in rank order from RUM');
  t.match(plan, /using article_search_pending(_tsv)?_idx on article_search/, 'pending ones: found by their own indexes (GIN by their documents, or the ids alone while the statistics know of no pending entry)');
  t.notMatch(plan, /Seq Scan/, 'no table read through');

  const before = new Map<string, SearchRank[]>();
  for (const term of ['common', 'rare', 'body']) {
    const paged = await allPages(rum, term, 21);
    t.strictSame(paged.ranks, await expected(pool, term), `${term}: every match once, pending or not, in the order of their ranks`);
    before.set(term, paged.ranks);
  }
  t.same((await rum.rank(searchQueryOf('rare'), {}, READER, undefined, 1)).map((r) => r.id), [79], "the pending entry's new text ranks it first");

  t.equal(await foldAll(pool), pending.length, 'the folds took every pending entry');
  t.same(await pendingIds(pool), []);
  for (const [term, ranks] of before) t.strictSame((await allPages(rum, term, 21)).ranks, ranks, `${term}: the same pages, the same ranks, once folded`);
  t.same((await pool.query(`SELECT count(*)::int AS n FROM article_search`)).rows, [{ n: N }], 'no entry lost or doubled');
});

t.test('a fold skips the entries a writer holds, and a write during a fold leaves its new entry pending', async (t) => {
  const { store, pool } = await rumStore(t);
  await fill(pool);
  await pool.query('UPDATE article_search SET pending = true WHERE article_id <= 10');

  // A unit of work holding entry 1 (it wrote it, uncommitted): the fold goes around it.
  const writer = await pool.connect();
  await writer.query('BEGIN');
  await writer.query("UPDATE article_search SET title = 'held' WHERE article_id = 1");
  t.equal(await foldPending(pool, 100), 9, 'the nine entries no one holds');
  t.same(await pendingIds(pool), [1]);
  await writer.query('COMMIT');
  writer.release();
  t.equal(await foldPending(pool, 100), 1, 'then the one');

  // A fold holding entry 2, and a put of it meanwhile: the put waits, then writes the new text pending.
  await pool.query('UPDATE article_search SET pending = true WHERE article_id = 2');
  const folder = await pool.connect();
  await folder.query('BEGIN');
  await folder.query('UPDATE article_search SET pending = false WHERE article_id = 2');
  const doc = documentOf({ id: 2, title: 'afterwards', subtitle: null, summary: null, bodyText: '', tags: [] });
  let put = false;
  const writing = store.write((tx) => tx.searchIndex.put(2, doc)).then(() => void (put = true));
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.notOk(put, 'the put waits for the fold');
  await folder.query('COMMIT');
  folder.release();
  await writing;
  t.same((await pool.query("SELECT pending, tsv::text AS tsv FROM article_search WHERE article_id = 2")).rows, [{ pending: true, tsv: "'afterwards':1A" }], 'pending again, with the new text');
  t.same((await store.search.rank(searchQueryOf('afterwards'), {}, { ...READER, editor: true }, undefined, 5)).map((r) => r.id), [2]);
});

t.test('one node folds at a time; the store folds in the background once it serves, and stops on close', async (t) => {
  const { url, pool } = await rumStore(t);
  await fill(pool);
  await pool.query('UPDATE article_search SET pending = true WHERE article_id <= 30');

  const other = await pool.connect();
  await other.query('BEGIN');
  t.same((await other.query('SELECT pg_try_advisory_xact_lock($1::int8) AS ours', [String(FOLD_LOCK)])).rows, [{ ours: true }], "another node's fold in progress (its lock)");
  t.equal(await foldPending(pool), null, 'this node lets it be');
  await other.query('ROLLBACK');
  other.release();
  t.equal(await foldPending(pool), FOLD_BATCH, 'and folds once it is free, a few entries at a time');

  const { store } = await openPostgresStore(url, { poolSize: 2 });
  const failures: Error[] = [];
  store.startUpkeep((error) => void failures.push(error));
  store.startUpkeep((error) => void failures.push(error));
  const until = Date.now() + 20_000;
  while ((await pendingIds(pool)).length > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  t.same(await pendingIds(pool), [], 'the serving store folded the rest by itself');
  await store.close();
  t.same(failures, [], 'without a failure');

  // A failure is heard, and folding goes on: the table briefly out of reach.
  const { store: again } = await openPostgresStore(url, { poolSize: 2 });
  await pool.query('UPDATE article_search SET pending = true WHERE article_id = 5');
  const locker = await pool.connect();
  await locker.query('BEGIN; LOCK TABLE article_search IN ACCESS EXCLUSIVE MODE');
  const heard = new Promise<Error>((resolve) => again.startUpkeep(resolve));
  // Its fold waits for the table: cancelled, as a statement timeout or a restarting server would end it.
  for (const until = Date.now() + 5000; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 20))) {
    const cancelled = await pool.query(
      "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE article_search SET pending = false%'",
    );
    if (cancelled.rowCount) break;
  }
  const error = await Promise.race([heard, new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000))]);
  await locker.query('ROLLBACK');
  locker.release();
  t.match(error, { message: /cancel/ }, 'the failure is told to the caller (the server logs it)');
  await again.close();
});

t.test('with GIN alone nothing is pending and nothing folds; a RUM index from before pending entries is made again', async (t) => {
  const url = await freshDatabase(t);
  const { store } = await openPostgresStore(url, { poolSize: 2, searchIndex: 'gin' });
  const pool = createPool(url, { poolSize: 2 });
  t.teardown(() => pool.end());
  await fill(pool);
  const doc = documentOf({ id: 3, title: 'gin', subtitle: null, summary: null, bodyText: '', tags: [] });
  await store.write((tx) => tx.searchIndex.put(3, doc));
  store.startUpkeep(() => undefined);
  t.same(await pendingIds(pool), [], 'written not pending: there is no RUM index to keep it out of');
  await store.close();

  await pool.query(`CREATE INDEX ${RUM_INDEX} ON article_search USING rum (tsv rum_tsvector_ops)`);
  const { search } = await migrateDatabase(pool, url);
  t.equal(search.method, 'rum');
  const [index] = (await pool.query('SELECT indexdef FROM pg_indexes WHERE indexname = $1', [RUM_INDEX])).rows as [{ indexdef: string }];
  t.match(index.indexdef, /USING rum \(tsv\) WHERE \(NOT pending\)$/, 'the whole-table RUM index of an earlier version is made again, of the entries not pending');
});
