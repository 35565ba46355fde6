import t from 'tap';
import { createAnswerCache } from '../../src/articles/answer-cache.js';
import { buildTestApp, call, createKey } from '../helpers/app.js';
import { factories, req } from '../helpers/factories.js';
import { changeRowQuietly } from '../helpers/change-row-quietly.js';

t.test('the cache keeps the most recently used answers within its byte limit', async (t) => {
  const cache = createAnswerCache(1000);
  const k = (id: number) => cache.key(id, 1, false);
  for (const id of [1, 2, 3, 4]) cache.set(k(id), 'a'.repeat(50)); // 100 bytes each
  t.ok(cache.get(k(1)), 'kept');
  for (const id of [5, 6, 7, 8, 9, 10]) cache.set(k(id), 'b'.repeat(60));
  t.ok(cache.stats().bytes <= 1000, `within the limit (${cache.stats().bytes} bytes)`);
  t.ok(cache.get(k(1)), 'the recently read answer survived');
  t.notOk(cache.get(k(2)), 'the least recently used went first');
  cache.set(k(11), 'c'.repeat(63));
  t.notOk(cache.get(k(11)), 'an answer over an eighth of the cache is not kept');
  t.not(cache.key(1, 1, true), cache.key(1, 1, false), 'editors and readers do not share answers');
  t.not(cache.key(1, 1, false), cache.key(1, 2, false), 'nor versions');
  const off = createAnswerCache(0);
  off.set('x', '{}');
  t.notOk(off.get('x'), '0 turns it off');
});

const article = { title: '京津冀协同发展', body: '<p>天津日报讯 “协同”</p>', tags: ['天津'] };

for (const articleCacheMb of [16, 0]) {
  t.test(`GET /v1/articles/{id} answers the same with the cache at ${articleCacheMb} MB`, async (t) => {
    const ctx = await buildTestApp(t, { articleCacheMb });
    const s = await factories(ctx).section();
    const created = await call(ctx.app, req('POST', '/v1/articles', { ...article, sectionId: s.id, status: 'published', publishedAt: '2026-11-01T00:00:00Z' }, ctx.auth.write));
    const url = `/v1/articles/${created.body.id}`;

    const first = await ctx.app.inject({ url });
    const second = await ctx.app.inject({ url });
    t.equal(first.statusCode, 200);
    t.equal(second.body, first.body, 'byte for byte the same answer');
    for (const h of ['content-type', 'etag', 'last-modified', 'cache-control', 'content-security-policy']) t.equal(second.headers[h], first.headers[h], h);
    t.equal(JSON.parse(second.body).bodyText, '天津日报讯 “协同”');
    t.equal(JSON.parse(second.body).createdBy, null, 'readers do not see who wrote it');
    const editor = JSON.parse((await ctx.app.inject({ url, headers: ctx.auth.write })).body);
    t.type(editor.createdBy, 'number', 'an editor does, though a reader answer was kept first');
    const head = await ctx.app.inject({ method: 'HEAD', url });
    t.equal(head.statusCode, 200);
    t.equal(head.body, '');

    await call(ctx.app, req('PATCH', url, { title: '新标题' }, ctx.auth.write));
    const changed = await ctx.app.inject({ url });
    t.equal(JSON.parse(changed.body).title, '新标题', 'a change shows at once');
    t.equal(changed.headers.etag, '"2"');
    t.same(JSON.parse((await ctx.app.inject({ url: `${url}?fields=title` })).body), { id: created.body.id, title: '新标题' }, 'shaped answers are not the kept one');

    await call(ctx.app, req('PATCH', url, { status: 'draft' }, ctx.auth.write));
    t.equal((await ctx.app.inject({ url })).statusCode, 404, 'unpublished: gone for readers at once');
    await call(ctx.app, req('PATCH', url, { status: 'published' }, ctx.auth.write));
    t.equal((await ctx.app.inject({ url })).statusCode, 200);
    await call(ctx.app, req('DELETE', url, undefined, ctx.auth.write));
    t.equal((await ctx.app.inject({ url })).statusCode, 404, 'trashed: gone for readers');
  });
}

t.test('a scheduled article appears by the clock alone, and a kept answer never shows it early', async (t) => {
  const ctx = await buildTestApp(t);
  const s = await factories(ctx).section();
  const created = await call(ctx.app, req('POST', '/v1/articles', { ...article, sectionId: s.id, status: 'published', publishedAt: '2026-12-01T00:00:00Z' }, ctx.auth.write));
  const url = `/v1/articles/${created.body.id}`;
  t.equal((await ctx.app.inject({ url, headers: ctx.auth.write })).statusCode, 200, 'the editor reads it (and the editor answer is kept)');
  t.equal((await ctx.app.inject({ url })).statusCode, 404, 'not yet for readers');
  ctx.clock.set('2026-12-01T00:00:01Z');
  const due = await ctx.app.inject({ url });
  t.equal(due.statusCode, 200, 'due: readers see it');
  t.equal(JSON.parse(due.body).createdBy, null);
});

t.test('list pages are kept until a write or the clock can change them', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const s = await f.section();
  const post = (title: string, publishedAt = '2026-11-01T00:00:00Z') =>
    call(ctx.app, req('POST', '/v1/articles', { ...article, title, sectionId: s.id, status: 'published', publishedAt }, ctx.auth.write));
  const a = await post('甲');
  const url = '/v1/articles?include=section';
  const first = await ctx.app.inject({ url });
  // Past the listeners on the same connection: invisible to the cache, so a kept page does not show it.
  await changeRowQuietly(ctx.store, 'articles', a.body.id, { title: '暗改' });
  const second = await ctx.app.inject({ url });
  t.equal(second.body, first.body, 'the same bytes: the kept page');
  t.equal(second.headers.etag, first.headers.etag);
  t.equal((await ctx.app.inject({ url, headers: { 'if-none-match': String(first.headers.etag) } })).statusCode, 304);

  await post('乙');
  t.same(JSON.parse((await ctx.app.inject({ url })).body).data.map((x: { title: string }) => x.title), ['乙', '暗改'], 'a new article: built again');
  await call(ctx.app, req('PATCH', `/v1/sections/${s.id}`, { name: '改名' }, ctx.auth.write));
  t.equal(JSON.parse((await ctx.app.inject({ url })).body).data[0].section.name, '改名', 'a section rename shows in embeds');

  await post('丙', '2026-12-01T00:00:00Z');
  t.equal(JSON.parse((await ctx.app.inject({ url })).body).data.length, 2, 'scheduled: not yet');
  ctx.clock.set('2026-12-01T00:00:00Z');
  t.equal(JSON.parse((await ctx.app.inject({ url })).body).data[0].title, '丙', 'due: the page shows it without any write');
  ctx.clock.set('2026-11-30T00:00:00Z');
  t.equal(JSON.parse((await ctx.app.inject({ url })).body).data.length, 2, 'and a clock set back does not get the later page');

  const other = await f.section();
  const partner = await createKey(ctx.store, ctx.clock, { scope: 'read', sections: [other.slug] });
  t.equal(JSON.parse((await ctx.app.inject({ url, headers: partner.header })).body).data.length, 0, 'a partner key does not get the readers’ page');
  t.equal(JSON.parse((await ctx.app.inject({ url, headers: ctx.auth.write })).body).data.length, 3, 'an editor gets their own');
});

t.test('LIST_CACHE_SIZE=0: every page is built again', async (t) => {
  const ctx = await buildTestApp(t, { listCacheSize: 0 });
  const s = await factories(ctx).section();
  const a = await call(ctx.app, req('POST', '/v1/articles', { ...article, sectionId: s.id, status: 'published', publishedAt: '2026-11-01T00:00:00Z' }, ctx.auth.write));
  await ctx.app.inject({ url: '/v1/articles' });
  await changeRowQuietly(ctx.store, 'articles', a.body.id, { title: '暗改' });
  t.equal(JSON.parse((await ctx.app.inject({ url: '/v1/articles' })).body).data[0].title, '暗改');
});
