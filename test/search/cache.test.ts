import type { Test } from 'tap';
import t from 'tap';
import type { Store } from '../../src/store/port.js';
import { changeRowQuietly } from '../helpers/change-row-quietly.js';
import { createKey } from '../helpers/app.js';
import { hoursFrom } from '../helpers/factories.js';
import { searchApp } from './helpers.js';

const NOW = '2026-11-27T08:00:00.000Z';

/**
 * A write straight to the database passes no write listener, exactly like a bug that forgot one
 * would: an answer that does not see it came from the cache. That is how these tests tell a hit.
 */
const retitleBehindTheCache = (store: Store, id: number, title: string) => changeRowQuietly(store, 'articles', id, { title });

async function titles(t: Test, search: (q: string, query?: string, headers?: Record<string, string>) => Promise<{ status: number; body: { data: { title: string }[] } }>, q: string, headers: Record<string, string> = {}) {
  const res = await search(q, '', headers);
  t.equal(res.status, 200);
  return res.body.data.map((h) => h.title);
}

t.test('a repeated search is answered from the cache, byte for byte the same', async (t) => {
  const ctx = await searchApp(t);
  const a = await ctx.article('港口协作 一', ['天津港口协作座谈会召开。']);
  await ctx.article('港口协作 二', ['港口建设。'], { publishedAt: '2023-04-20T00:00:00.000Z' });
  const url = `/v1/search?q=${encodeURIComponent('港口')}&limit=1`;
  const first = await ctx.app.inject({ method: 'GET', url });
  await retitleBehindTheCache(ctx.store, a.id, '改过的标题');
  const second = await ctx.app.inject({ method: 'GET', url });
  t.equal(second.statusCode, 200);
  t.equal(second.body, first.body, 'the same bytes: served from the cache (the unseen retitle proves it)');
  const { 'x-request-id': _a, date: _d, ...firstHeaders } = first.headers;
  const { 'x-request-id': _b, date: _e, ...secondHeaders } = second.headers;
  t.same(secondHeaders, firstHeaders, 'the same headers, Link included');
  t.match(first.headers.link, /rel="next"/);
  t.ok((await titles(t, ctx.search, '港口')).includes('改过的标题'), 'another limit is another entry, read from the database');
});

t.test('a section given by slug and by id are different entries (the next-page cursor tells them apart)', async (t) => {
  const ctx = await searchApp(t);
  await ctx.article('协作新闻 一', []);
  await ctx.article('协作新闻 二', [], { publishedAt: '2023-04-20T00:00:00.000Z' });
  const get = async (section: string) =>
    (await ctx.app.inject({ method: 'GET', url: `/v1/search?q=${encodeURIComponent('协作')}&limit=1&section=${section}` })).body;
  const bySlug = await get('tianjin');
  const byId = await get(String(ctx.section.id));
  await ctx.make.source({ slug: 'any-write' });
  t.equal(byId, await get(String(ctx.section.id)), 'the answer after the slug\'s is the one computed afresh');
  t.notSame(JSON.parse(byId).page.nextCursor, JSON.parse(bySlug).page.nextCursor);
  const cursor = JSON.parse(byId).page.nextCursor as string;
  const next = await ctx.app.inject({ method: 'GET', url: `/v1/search?q=${encodeURIComponent('协作')}&limit=1&section=${ctx.section.id}&cursor=${cursor}` });
  t.equal(next.statusCode, 200, 'and its cursor leads on');
});

t.test('every write that can change an answer invalidates the cache', async (t) => {
  const ctx = await searchApp(t);
  const { auth, app } = ctx;
  const a = await ctx.article('协作新闻 一', []);
  t.same(await titles(t, ctx.search, '协作'), ['协作新闻 一']);

  const b = await ctx.article('协作新闻 二', [], { publishedAt: '2023-04-20T00:00:00.000Z' });
  t.same(await titles(t, ctx.search, '协作'), ['协作新闻 二', '协作新闻 一'], 'create');

  const patch = await app.inject({ method: 'PATCH', url: `/v1/articles/${a.id}`, headers: { ...auth.write, 'if-match': `"${a.version}"` }, payload: { summary: '新的摘要' } });
  t.equal(patch.statusCode, 200);
  const updated = await ctx.search('协作');
  t.equal(updated.body.data[1].summary, '新的摘要', 'update');

  t.equal((await app.inject({ method: 'DELETE', url: `/v1/articles/${b.id}`, headers: auth.write })).statusCode, 204);
  t.same(await titles(t, ctx.search, '协作'), ['协作新闻 一'], 'trash');

  t.equal((await app.inject({ method: 'POST', url: `/v1/articles/${b.id}/restore`, headers: auth.write })).statusCode, 200);
  t.same(await titles(t, ctx.search, '协作'), ['协作新闻 二', '协作新闻 一'], 'restore');

  const rename = await app.inject({ method: 'PATCH', url: `/v1/sections/${ctx.section.id}`, headers: auth.write, payload: { name: '天津新闻' } });
  t.equal(rename.statusCode, 200);
  t.equal((await ctx.search('协作')).body.data[0].section.name, '天津新闻', 'a section rename (hits carry its name)');

  const line = { type: 'article', externalId: 'wire-1', title: '协作新闻 三', section: 'tianjin', status: 'published', publishedAt: '2023-04-21T00:00:00.000Z' };
  const imported = await app.inject({ method: 'POST', url: '/v1/import', headers: { ...auth.write, 'content-type': 'application/x-ndjson' }, payload: JSON.stringify(line) + '\n' });
  t.equal(imported.statusCode, 200, imported.body);
  t.same(await titles(t, ctx.search, '协作'), ['协作新闻 三', '协作新闻 二', '协作新闻 一'], 'import');
});

t.test('a scheduled article appears in cached answers when the clock passes its time', async (t) => {
  const ctx = await searchApp(t);
  await ctx.article('协作新闻 已发布', []);
  await ctx.article('协作新闻 定时', [], { publishedAt: hoursFrom(NOW, 2) });
  t.same(await titles(t, ctx.search, '协作'), ['协作新闻 已发布']);
  ctx.clock.advance(3_600_000);
  t.same(await titles(t, ctx.search, '协作'), ['协作新闻 已发布'], 'not yet due');
  ctx.clock.advance(3_600_000);
  t.same(await titles(t, ctx.search, '协作'), ['协作新闻 定时', '协作新闻 已发布'], 'due at its publishedAt, with no write');
  ctx.clock.set(NOW);
  t.same(await titles(t, ctx.search, '协作'), ['协作新闻 已发布'], 'a clock set back is not served the later answer');
});

t.test('partner keys and editors do not share entries with readers', async (t) => {
  const ctx = await searchApp(t);
  const other = await ctx.make.section({ name: '甘肃', slug: 'gansu' });
  await ctx.article('协作新闻 天津', []);
  await ctx.article('协作新闻 甘肃', [], { sectionId: other.id, publishedAt: '2023-04-20T00:00:00.000Z' });
  const draft = await ctx.article('协作新闻 草稿', [], { status: 'draft', publishedAt: null });
  const partner = (await createKey(ctx.store, ctx.clock, { scope: 'read', sections: ['gansu'] })).header;
  t.same(await titles(t, ctx.search, '协作'), ['协作新闻 甘肃', '协作新闻 天津'], 'anonymous');
  t.same(await titles(t, ctx.search, '协作', partner), ['协作新闻 甘肃'], 'the partner key: its section only');
  t.same(await titles(t, ctx.search, '协作', ctx.auth.read), ['协作新闻 甘肃', '协作新闻 天津'], 'a read key without limits');
  t.same((await titles(t, ctx.search, '协作', ctx.auth.write)).sort(), ['协作新闻 天津', '协作新闻 甘肃', '协作新闻 草稿'].sort(), 'an editor: the draft too');
  t.same(await titles(t, ctx.search, '协作'), ['协作新闻 甘肃', '协作新闻 天津'], 'anonymous again: no draft, no partner view');
  t.ok(draft.id);
});

t.test('SEARCH_CACHE_SIZE=0 turns the cache off', async (t) => {
  const { buildTestApp } = await import('../helpers/app.js');
  const { factories } = await import('../helpers/factories.js');
  const ctx = await buildTestApp(t, { searchCacheSize: 0 });
  const section = await factories(ctx).section({ name: '天津', slug: 'tianjin' });
  const a = await factories(ctx).article(section.id, { title: '协作新闻', publishedAt: '2023-04-19T00:00:00.000Z' });
  const url = `/v1/search?q=${encodeURIComponent('协作')}`;
  t.equal(JSON.parse((await ctx.app.inject({ method: 'GET', url })).body).data[0].title, '协作新闻');
  await retitleBehindTheCache(ctx.store, a.id, '协作新闻 改');
  t.equal(JSON.parse((await ctx.app.inject({ method: 'GET', url })).body).data[0].title, '协作新闻 改', 'read again from the database');
});

t.test('the least recently used answer is dropped when the cache is full', async (t) => {
  const ctx = await searchApp(t);
  const a = await ctx.article('协作港口', []);
  const others = async (from: number, n: number) => {
    for (let i = from; i < from + n; i++) await ctx.search(`港口${i}`);
  };
  t.same(await titles(t, ctx.search, '协作'), ['协作港口']);
  await others(0, 255);
  t.same(await titles(t, ctx.search, '协作'), ['协作港口'], 'used again: now the most recent of 256 (the default size)');
  await retitleBehindTheCache(ctx.store, a.id, '协作港口 改');
  await others(255, 1);
  t.same(await titles(t, ctx.search, '协作'), ['协作港口'], 'the 257th answer dropped the oldest, not this one');
  await others(256, 256);
  t.same(await titles(t, ctx.search, '协作'), ['协作港口 改'], 'dropped after 256 other answers, so read again');
});
