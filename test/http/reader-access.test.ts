import t from 'tap';
import { assertProblem, buildTestApp, call, createKey } from '../helpers/app.js';
import { factories, hoursFrom, req } from '../helpers/factories.js';

const NOW = '2026-11-27T08:00:00.000Z';
const ids = (body: { data: { id: number }[] }) => body.data.map((a) => a.id).sort((a, b) => a - b);

t.test('a partner read key sees only its sections (with their subsections) and sources', async (t) => {
  const ctx = await buildTestApp(t);
  const make = factories(ctx);
  const tianjin = await make.section({ slug: 'tianjin', name: '天津' });
  const zhengqing = await make.section({ slug: 'zhengqing', name: '政情', parentId: tianjin.id });
  const sport = await make.section({ slug: 'sport', name: '体育' });
  const tjrb = await make.source({ slug: 'tjrb', name: '天津日报' });
  const inTianjin = await make.article(tianjin.id, { sourceId: tjrb.id });
  const inSub = await make.article(zhengqing.id);
  const inSport = await make.article(sport.id, { sourceId: tjrb.id });

  const partner = (await createKey(ctx.store, ctx.clock, { scope: 'read', sections: ['tianjin'] })).header;
  t.same(ids((await call(ctx.app, req('GET', '/v1/articles', undefined, partner))).body), [inTianjin.id, inSub.id]);
  t.equal((await call(ctx.app, req('GET', `/v1/articles/${inTianjin.id}`, undefined, partner))).status, 200);
  assertProblem(t, await call(ctx.app, req('GET', `/v1/articles/${inSport.id}`, undefined, partner)), 404, 'not-found');
  assertProblem(t, await call(ctx.app, req('GET', `/v1/articles/slug/${inSport.slug}`, undefined, partner)), 404, 'not-found');
  t.same(ids((await call(ctx.app, req('GET', '/v1/articles?section=sport', undefined, partner))).body), [], 'a filter cannot widen the limit');

  const bySource = (await createKey(ctx.store, ctx.clock, { scope: 'read', sources: ['tjrb'] })).header;
  t.same(ids((await call(ctx.app, req('GET', '/v1/articles', undefined, bySource))).body), [inTianjin.id, inSport.id]);
  const both = (await createKey(ctx.store, ctx.clock, { scope: 'read', sections: ['tianjin'], sources: ['tjrb'] })).header;
  t.same(ids((await call(ctx.app, req('GET', '/v1/articles', undefined, both))).body), [inTianjin.id], 'both limits apply');

  t.same(ids((await call(ctx.app, req('GET', '/v1/articles', undefined, ctx.auth.read))).body), [inTianjin.id, inSub.id, inSport.id], 'an unlimited read key sees all');
  t.same(ids((await call(ctx.app, req('GET', '/v1/articles'))).body), [inTianjin.id, inSub.id, inSport.id], 'so does an anonymous reader');
});

t.test('a scheduled article appears by itself when due, with no job running', async (t) => {
  const ctx = await buildTestApp(t);
  const section = await factories(ctx).section();
  const created = await call(ctx.app, req('POST', '/v1/articles', { title: '明日新闻', sectionId: section.id, status: 'published', publishedAt: hoursFrom(NOW, 1) }, ctx.auth.write));
  t.equal(created.status, 201);
  const id = created.body.id as number;
  for (const [who, headers] of [['no key', {}], ['a read key', ctx.auth.read]] as const) {
    assertProblem(t, await call(ctx.app, req('GET', `/v1/articles/${id}`, undefined, headers)), 404, 'not-found');
    t.same((await call(ctx.app, req('GET', '/v1/articles', undefined, headers))).body.data, [], `${who}: not listed before it is due`);
  }
  t.equal((await call(ctx.app, req('GET', `/v1/articles/${id}`, undefined, ctx.auth.write))).status, 200, 'editors see it scheduled');

  ctx.clock.advance(60 * 60_000 - 1);
  assertProblem(t, await call(ctx.app, req('GET', `/v1/articles/${id}`)), 404, 'not-found');
  ctx.clock.advance(1);
  t.equal((await call(ctx.app, req('GET', `/v1/articles/${id}`))).status, 200, 'due to the millisecond');
  t.same(ids((await call(ctx.app, req('GET', '/v1/articles'))).body), [id]);
  t.same(ids((await call(ctx.app, req('GET', '/v1/articles', undefined, ctx.auth.read))).body), [id]);
});

t.test('drafts: invisible to readers, visible to write keys', async (t) => {
  const ctx = await buildTestApp(t);
  const section = await factories(ctx).section();
  const draft = await factories(ctx).article(section.id, { status: 'draft', title: '草稿' });
  for (const headers of [{}, ctx.auth.read]) {
    assertProblem(t, await call(ctx.app, req('GET', `/v1/articles/${draft.id}`, undefined, headers)), 404, 'not-found');
    t.same((await call(ctx.app, req('GET', '/v1/articles', undefined, headers))).body.data, []);
  }
  for (const headers of [ctx.auth.write, ctx.auth.admin]) {
    t.equal((await call(ctx.app, req('GET', `/v1/articles/${draft.id}`, undefined, headers))).body.status, 'draft');
    t.same(ids((await call(ctx.app, req('GET', '/v1/articles?status=draft', undefined, headers))).body), [draft.id]);
  }
});
