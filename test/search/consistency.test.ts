// SQLite-specific: reads articles_fts itself (its rows and b-tree blocks) to prove what the index holds beyond what a search shows.
import t from 'tap';
import { call } from '../helpers/app.js';
import { searchApp } from './helpers.js';

/** The index's stored b-tree blocks: any write to articles_fts changes them. */
const indexState = (db: { $client: { prepare(s: string): { get(): unknown } } }) =>
  JSON.stringify(db.$client.prepare('SELECT group_concat(hex(block)) AS blocks, count(*) AS n FROM articles_fts_data').get());

t.test('the index follows updates, trash, restore, revision restore and permanent delete', async (t) => {
  const { article, ids, app, auth, db } = await searchApp(t);
  const write = (method: string, url: string, payload?: object, headers = auth.write) => call(app, { method: method as 'POST', url, payload, headers });
  const a = await article('甘肃苹果丰收', ['天水花牛苹果喜获丰收'], { tags: ['农业'], summary: '果农增收' });
  const other = await article('天津港口', ['吞吐量创新高']);
  t.same(await ids(t, '花牛'), [a.id]);

  t.equal((await write('PATCH', `/v1/articles/${a.id}`, { title: '广西甘蔗开榨', body: '<p>糖厂满负荷运转</p>', tags: ['糖业'], summary: null })).status, 200);
  for (const old of ['甘肃', '花牛', '农业', '果农']) t.same(await ids(t, old), [], `${old} is gone after the update`);
  for (const fresh of ['甘蔗', '糖厂', '糖业']) t.same(await ids(t, fresh), [a.id], `${fresh} is found after the update`);

  t.equal((await write('PATCH', `/v1/articles/${a.id}`, { subtitle: '入冬以来' })).status, 200);
  t.same(await ids(t, '入冬'), [a.id], 'the subtitle is indexed');

  t.equal((await write('DELETE', `/v1/articles/${a.id}`)).status, 204);
  t.same(await ids(t, '甘蔗', '', auth.write), [], 'trashed: not found, even by editors');
  t.equal((await write('POST', `/v1/articles/${a.id}/restore`)).status, 200);
  t.same(await ids(t, '甘蔗'), [a.id], 'restored: found again');

  t.equal((await write('POST', `/v1/articles/${a.id}/revisions/1/restore`)).status, 200);
  t.same(await ids(t, '花牛'), [a.id], 'revision 1 restored: its words are back');
  t.same(await ids(t, '甘蔗'), [], 'and the later words gone');

  t.equal((await write('DELETE', `/v1/articles/${a.id}?permanent=true`, undefined, auth.admin)).status, 204);
  const left = db.$client.prepare(`SELECT rowid AS id FROM articles_fts WHERE articles_fts MATCH '"花牛"'`).all();
  t.same(left, [], 'permanently deleted: the index row is gone');
  t.same(await ids(t, '天津'), [other.id], 'the other article is untouched');
});

t.test('writes that leave the text alone leave the index alone', async (t) => {
  const { article, app, auth, db, make } = await searchApp(t);
  const a = await article('甘肃苹果丰收', ['天水花牛苹果']);
  const before = indexState(db);
  const source = await make.source({});
  for (const payload of [{ status: 'archived' }, { publishedAt: '2024-01-01T00:00:00.000Z' }, { sourceId: source.id }]) {
    t.equal((await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, payload, headers: auth.write })).status, 200);
  }
  t.equal((await call(app, { method: 'DELETE', url: `/v1/articles/${a.id}`, headers: auth.write })).status, 204);
  t.equal((await call(app, { method: 'POST', url: `/v1/articles/${a.id}/restore`, headers: auth.write })).status, 200);
  t.equal(indexState(db), before, 'no index write');
  t.equal((await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, payload: { title: '甘肃苹果' }, headers: auth.write })).status, 200);
  t.not(indexState(db), before, 'a title change is written (so the check above can fail)');
});

t.test('a failed write leaves no trace in the index', async (t) => {
  const { article, ids, app, auth } = await searchApp(t);
  const a = await article('唯一标题', []);
  await article('另一篇', [], { slug: 'taken' });
  const res = await call(app, { method: 'PATCH', url: `/v1/articles/${a.id}`, payload: { title: '新词汇标题', slug: 'taken' }, headers: auth.write });
  t.equal(res.status, 409);
  t.same(await ids(t, '新词汇', '', auth.write), [], 'the refused title is not in the index');
  t.same(await ids(t, '唯一'), [a.id], 'the old title still is');
});
