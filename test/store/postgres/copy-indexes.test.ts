// PostgreSQL-specific: reads pg_indexes to see that masthead copy builds the search index's GIN and RUM indexes once, at its end, and gives them back on a failure.
import pg from 'pg';
import t, { type Test } from 'tap';
import { documentOf } from '../../../src/search/index.js';
import type { Store } from '../../../src/store/port.js';
import { openPostgresStore } from '../../../src/store/postgres/store.js';
import { copyStore } from '../../../src/transfer/copy.js';
import { buildTestApp } from '../../helpers/app.js';
import { factories } from '../../helpers/factories.js';
import { freshDatabase } from '../../helpers/postgres.js';

const options = { documentOf: (row: Parameters<typeof documentOf>[0]) => documentOf(row) };

async function indexesOf(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ d: string }>("SELECT indexdef AS d FROM pg_indexes WHERE tablename = 'article_search' ORDER BY indexname")).rows.map((r) => r.d);
  } finally {
    await client.end();
  }
}

async function destination(t: Test): Promise<{ url: string; store: Store }> {
  const url = await freshDatabase(t);
  const { store } = await openPostgresStore(url);
  t.teardown(() => store.close());
  return { url, store };
}

async function newsroom(t: Test): Promise<Store> {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const section = await f.section({ name: '天津' });
  for (const title of ['甘肃省党政代表团来津考察', '滨海新区 😀', '京津冀协同发展']) await f.article(section.id, { title });
  return ctx.store;
}

t.test('a copy into PostgreSQL leaves the search index with the indexes it had, built at the end, and searches use them', async (t) => {
  const source = await newsroom(t);
  const { url, store } = await destination(t);
  const before = await indexesOf(url);
  t.ok(before.some((d) => /USING gin/.test(d)), 'the GIN index of a migrated database');
  await copyStore(source, store, options);
  t.same(await indexesOf(url), before, 'the same indexes after the copy (dropped while it filled the table, made again before it committed)');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.same((await client.query('SELECT count(*) = (SELECT count(*) FROM articles) AS every, count(*) FILTER (WHERE pending)::int AS pending FROM article_search')).rows, [{ every: true, pending: 0 }], 'no entry left pending: the RUM index built at the end took them in (fold.ts)');
  await client.end();
  const hits = await store.search.rank({ phrases: [[{ text: '甘肃', prefix: false }]] }, {}, { editor: true, now: Date.now(), sectionIds: null, sourceIds: null }, undefined, 10);
  t.equal(hits.length, 1, 'search finds the copied article');
});

t.test('a copy that fails gives the indexes back with the rest of its transaction', async (t) => {
  const source = await newsroom(t);
  const { url, store } = await destination(t);
  const before = await indexesOf(url);
  const failing: Store = {
    ...store,
    write: (work, o) =>
      store.write(
        (tx) =>
          work({
            ...tx,
            tables: {
              ...tx.tables,
              insert: (table, rows) => (table === 'change_events' ? Promise.reject(new Error('disk on fire')) : tx.tables.insert(table, rows)),
            },
          }),
        o,
      ),
  };
  await t.rejects(copyStore(source, failing, options), /disk on fire/);
  t.same(await indexesOf(url), before, 'rolled back: the indexes are there');
});
