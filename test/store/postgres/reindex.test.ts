// PostgreSQL-specific: masthead reindex builds the index beside the live one and swaps it in (src/store/postgres/reindex.ts); reads the catalog and writes while it runs.
import type { Test } from 'tap';
import t from 'tap';
import { buildApp } from '../../../src/app.js';
import { testConfig } from '../../../src/config.js';
import { documentOf } from '../../../src/search/index.js';
import { createStores } from '../../../src/stores.js';
import { createPool } from '../../../src/store/postgres/connection.js';
import { rebuildSearchIndex, type RebuildStage } from '../../../src/store/postgres/reindex.js';
import { RUM_INDEX } from '../../../src/store/postgres/rum.js';
import { openPostgresStore } from '../../../src/store/postgres/store.js';
import { testClock } from '../../helpers/app.js';
import { freshDatabase } from '../../helpers/postgres.js';

async function setUp(t: Test) {
  const url = await freshDatabase(t);
  const { store, search } = await openPostgresStore(url, { poolSize: 4, connectTimeoutMs: 15_000 });
  const pool = createPool(url, { poolSize: 4 });
  const clock = testClock();
  const app = await buildApp(testConfig({}), { store, clock });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    await store.close();
    await pool.end();
  });
  const stores = createStores(store, clock);
  const section = await stores.sections.create({ name: '天津', slug: 'tianjin' });
  const article = (title: string, body = '正文') =>
    stores.articles.create({ title, body: `<p>${body}</p>`, sectionId: section.id, status: 'published', publishedAt: '2023-04-19T00:00:00.000Z' }, null);
  /** The ids GET /v1/search answers for `q`, after checking that it answered 200. */
  const found = async (q: string): Promise<number[]> => {
    const res = await app.inject({ method: 'GET', url: `/v1/search?q=${encodeURIComponent(q)}` });
    t.equal(res.statusCode, 200, `search for ${q}: ${res.body.slice(0, 200)}`);
    return (JSON.parse(res.body) as { data: { id: number }[] }).data.map((h) => h.id).sort((a, b) => a - b);
  };
  const rebuild = (reached?: (stage: RebuildStage) => Promise<void>) => rebuildSearchIndex(pool, (row) => documentOf(row), { reached });
  return { pool, store, stores, search, article, found, rebuild };
}

/** What the catalog says of article_search: its indexes, its constraints (and whether checked), leftovers of a rebuild. */
async function catalog(pool: import('pg').Pool) {
  const indexes = (await pool.query<{ name: string }>(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'article_search'::regclass ORDER BY 1`)).rows.map((r) => r.name);
  const constraints = (await pool.query<{ name: string; valid: boolean }>(`SELECT conname AS name, convalidated AS valid FROM pg_constraint WHERE conrelid = 'article_search'::regclass ORDER BY 1`)).rows;
  const leftovers = (
    await pool.query<{ name: string }>(
      `SELECT relname AS name FROM pg_class WHERE relname LIKE 'article_search_rebuild%' OR relname LIKE 'rebuild\\_%'
       UNION ALL SELECT tgname FROM pg_trigger WHERE tgname LIKE 'article_search_rebuild%'
       UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'article_search_rebuild%'`,
    )
  ).rows.map((r) => r.name);
  return { indexes, constraints, leftovers };
}

t.test('writes during a reindex are searchable after it, searches answer all along, and the index keeps its names', async (t) => {
  const { pool, stores, search, article, found, rebuild } = await setUp(t);
  t.equal(search.method, 'rum', 'this project’s servers have RUM: the swap must carry its index');
  const kept = await article('天津 港口');
  const edited = await article('原来 标题');
  const purged = await article('将要 清除');
  const early = await article('早期 文章');
  const before = await catalog(pool);

  const stages: RebuildStage[] = [];
  const result = await rebuild(async (stage) => {
    stages.push(stage);
    if (stage === 'filled') {
      // While the new index is filled, built and caught up: the old one answers.
      t.same(await found('港口'), [kept.id], 'a search during the reindex answers 200 with its results');
      await stores.articles.update(edited.id, { title: '修改 标题 港口' }, undefined, null);
      await stores.articles.purge(purged.id, undefined);
    } else {
      // Written after the catch-up: only the swap's last round can bring these in.
      const late = await article('最后 加入');
      await stores.articles.update(early.id, { title: '早期 改名' }, undefined, null);
      t.same(await found('最后'), [late.id], 'the live index has the write at once');
    }
  });
  t.same(stages, ['filled', 'caught-up']);
  t.equal(result.articles, 4, 'every article that is there at the swap has its entry');
  t.same(await found('港口'), [kept.id, edited.id].sort((a, b) => a - b), 'an edit during the fill is found by its new words');
  t.same(await found('原来'), [], 'and no longer by its old ones');
  t.same(await found('清除'), [], 'a purge during the fill leaves no entry');
  t.equal((await found('最后')).length, 1, 'an article created after the catch-up is found');
  t.same(await found('改名'), [early.id], 'an edit after the catch-up is found by its new words');
  t.same(await found('早期'), [early.id]);

  const after = await catalog(pool);
  t.same(after.indexes, before.indexes, 'the same indexes, by the same names');
  t.ok(after.indexes.includes(RUM_INDEX) && after.indexes.includes('article_search_tsv_idx'));
  t.same(after.constraints, before.constraints, 'the same constraints, checked');
  t.ok(after.constraints.every((c) => c.valid));
  t.same(after.leftovers, [], 'no shadow table, notes, trigger or function left');
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM articles a LEFT JOIN article_search s ON s.article_id = a.id WHERE s.article_id IS NULL');
  t.equal(rows[0]!.n, 0, 'every article has its entry');
});

t.test('searches that run while the index is swapped in all answer', async (t) => {
  const { article, found, rebuild } = await setUp(t);
  const ids = [];
  for (let i = 0; i < 30; i++) ids.push((await article(`港口 第${i}篇`)).id);
  let done = false;
  let searches = 0;
  const reader = (async () => {
    while (!done) {
      t.equal((await found('港口')).length, 20, 'a full first page');
      searches++;
    }
  })();
  await rebuild();
  await rebuild();
  done = true;
  await reader;
  t.ok(searches > 0, `${searches} searches ran during two reindexes`);
});

t.test('a reindex that fails leaves the live index as it was and nothing of its own behind', async (t) => {
  const { pool, article, found, rebuild } = await setUp(t);
  const a = await article('天津 港口');
  const before = await catalog(pool);
  await t.rejects(
    rebuild(async () => {
      throw new Error('stopped');
    }),
    /stopped/,
  );
  t.same(await catalog(pool), before);
  t.same(await found('港口'), [a.id]);
  const b = await article('港口 新闻');
  t.same(await found('港口'), [a.id, b.id], 'writes reach the index as before');
});

t.test('what a killed reindex left behind is cleared by the next', async (t) => {
  const { pool, article, found, rebuild } = await setUp(t);
  const a = await article('天津 港口');
  await pool.query(`CREATE TABLE article_search_rebuild (LIKE article_search); CREATE TABLE article_search_rebuild_dirty (article_id int8 PRIMARY KEY);
    CREATE FUNCTION article_search_rebuild_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
    CREATE TRIGGER article_search_rebuild_note AFTER INSERT ON article_search FOR EACH ROW EXECUTE FUNCTION article_search_rebuild_note()`);
  t.same(await rebuild(), { articles: 1 });
  t.same((await catalog(pool)).leftovers, []);
  t.same(await found('港口'), [a.id]);
});

t.test('a role granted reads of the index keeps them after a reindex', async (t) => {
  const { pool, article, rebuild } = await setUp(t);
  await article('天津 港口');
  const role = `masthead_reader_${process.pid}`;
  await pool.query(`DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role}`);
  // Runs before the pool is ended (teardowns run last first); roles are the server's, not the database's.
  t.teardown(() => pool.query(`DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`));
  await pool.query(`GRANT SELECT ON article_search TO ${role}`);
  await rebuild();
  const { rows } = await pool.query<{ ok: boolean }>(`SELECT has_table_privilege('${role}', 'article_search', 'SELECT') AS ok`);
  t.ok(rows[0]!.ok);
});
