// SQLite-specific: empties articles_fts behind the store (to prove a rebuild fills it again) and reads the FTS5 table itself.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { migrateDatabase, openDatabase } from '../../src/store/sqlite/connection.js';
import { loadDemo } from '../../src/demo/seed.js';
import { rebuildSearchIndex, reindex, searchableTextChanged, type SearchableRow } from '../../src/search/index.js';
import { call } from '../helpers/app.js';
import { EVAL_ARTICLES, EVAL_QUERIES } from './eval-set.js';
import { searchApp, type Hit } from './helpers.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import { indexArticle } from '../../src/search/index.js';
import type { ArticleRow } from '../../src/store/port.js';

t.test('a rebuilt index gives the same results, scores included, as the one kept up to date by writes', async (t) => {
  const { article, app, auth, db, search, store } = await searchApp(t);
  const made = [];
  for (const a of EVAL_ARTICLES) made.push(await article(a.title, a.body.split('\n\n'), { tags: [a.id] }));
  // Churn: updates, a trash, a purge, so that the live index holds deleted postings a rebuild does not.
  await call(app, { method: 'PATCH', url: `/v1/articles/${made[1]!.id}`, payload: { title: '天水花牛苹果丰收' }, headers: auth.write });
  await call(app, { method: 'PATCH', url: `/v1/articles/${made[2]!.id}`, payload: { body: '<p>糖厂满负荷运转</p>' }, headers: auth.write });
  await call(app, { method: 'DELETE', url: `/v1/articles/${made[3]!.id}`, headers: auth.write });
  await call(app, { method: 'DELETE', url: `/v1/articles/${made[4]!.id}?permanent=true`, headers: auth.admin });

  const results = async (withScores: boolean) => {
    const all: [string, (number | string)[][]][] = [];
    for (const { q } of EVAL_QUERIES) {
      const res = await search(q, '', auth.write);
      all.push([q, res.body.data.map((h: Hit) => (withScores ? [h.id, h.score.toPrecision(12)] : [h.id]))]);
    }
    return all;
  };
  const live = await results(false);
  t.ok(live.some(([, hits]) => hits.length > 0), 'the queries find something');
  const { articles } = await rebuildSearchIndex(store);
  t.equal(articles, EVAL_ARTICLES.length - 1, 'every article left (the trashed one too) is indexed');
  // Scores may differ: a contentless_delete table keeps deleted rows in bm25's document count and lengths.
  t.same(await results(false), live, 'same hits in the same order');
  const rebuilt = await results(true);

  db.$client.prepare("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')").run();
  t.same((await search('甘肃')).body.data, [], 'an emptied index finds nothing');
  t.equal((await reindex(store)).articles, EVAL_ARTICLES.length - 1);
  t.same(await results(true), rebuilt, 'reindex gives the same hits, order and scores as the last rebuild');
});

t.test('searchableTextChanged looks at the indexed fields only', async (t) => {
  const row: SearchableRow = { id: 1, title: '甘肃', subtitle: null, summary: null, bodyText: '', tags: ['a'] };
  t.notOk(searchableTextChanged(row, { ...row, id: 2 }));
  for (const change of [{ title: '天津' }, { subtitle: '' }, { summary: 'x' }, { bodyText: 'x' }, { tags: ['a', 'b'] }]) {
    t.ok(searchableTextChanged(row, { ...row, ...change }), JSON.stringify(change));
  }
});

t.test('tags are segmented one by one: no bigram across two tags', async (t) => {
  const db = openDatabase(':memory:');
  t.teardown(() => db.$client.close());
  migrateDatabase(db);
  const store = createSqliteStore(db);
  await store.write((tx) => indexArticle(tx, 'create', { id: 7, title: '', subtitle: null, summary: null, bodyText: '', tags: ['津甘协作', '东西部协作'] } as ArticleRow, null));
  const count = (match: string) => (db.$client.prepare('SELECT count(*) AS n FROM articles_fts WHERE articles_fts MATCH ?').get(match) as { n: number }).n;
  t.equal(count('"协作"'), 1);
  t.equal(count('"作东"'), 0);
});

t.test('masthead reindex rebuilds the index of a database file and says how many and how long', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'masthead-reindex-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'm.db');
  const db = openDatabase(path);
  migrateDatabase(db);
  const { articles } = await loadDemo(createSqliteStore(db));
  db.$client.prepare("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')").run();
  db.$client.close();

  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'reindex'], {
    env: { ...process.env, DATABASE_PATH: path },
  });
  t.match(stdout, new RegExp(`search index rebuilt, ${articles} articles in \\d+\\.\\d\\d s`));
  const after = openDatabase(path);
  t.teardown(() => after.$client.close());
  const found = after.$client.prepare(`SELECT rowid FROM articles_fts WHERE articles_fts MATCH '"陈敏" + "敏尔"'`).all();
  t.same(found, [{ rowid: 1 }], 'the seed article is found again');
});
