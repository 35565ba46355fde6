import t from 'tap';
import { loadDemo } from '../../src/demo/seed.js';
import { DEMO_ARTICLE, DEMO_RELATED_HEADLINES, DEMO_SECTIONS } from '../../src/demo/content.js';
import { buildTestApp, call } from '../helpers/app.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';

t.test('the demo loads the seed page through the same write path as the API', async (t) => {
  const ctx = await buildTestApp(t);
  const loaded = await loadDemo(createSqliteStore(ctx.db), ctx.clock);
  t.same(loaded, { sections: DEMO_SECTIONS.length, sources: 1, articles: 1 + DEMO_RELATED_HEADLINES.length });

  const tree = await call(ctx.app, { method: 'GET', url: '/v1/sections/tree' });
  t.same(
    tree.body.data.map((s: { name: string }) => s.name),
    DEMO_SECTIONS.filter((s) => s.slug !== 'zhengqing').map((s) => s.name),
    'the navigation bar, in order',
  );
  t.equal(tree.body.data[1].children[0].name, '政情', '政情 is filed under 天津');

  const list = await call(ctx.app, { method: 'GET', url: '/v1/articles?limit=1&include=source' });
  const main = list.body.data[0];
  t.equal(main.title, DEMO_ARTICLE.title, 'the seed article is the newest');
  t.equal(main.publishedAt, DEMO_ARTICLE.publishedAt);
  t.equal(main.source.name, '天津日报');

  const full = await call(ctx.app, { method: 'GET', url: `/v1/articles/${main.id}?include=relatedLinks` });
  t.equal(full.body.body, DEMO_ARTICLE.paragraphs.map((p) => `<p>${p}</p>`).join(''), 'the body is byte-identical');
  t.same(full.body.relatedLinks.map((l: { title: string }) => l.title), DEMO_RELATED_HEADLINES, 'related headlines in order');

  const search = await call(ctx.app, { method: 'GET', url: '/v1/search?q=%E4%B8%AD%E7%94%B5%E7%A7%91' });
  t.equal(search.body.data[0]?.id, main.id, 'the search index saw the demo (中电科)');

  const changes = await call(ctx.app, { method: 'GET', url: '/v1/changes?limit=1000' });
  const articleEvents = changes.body.data.filter((e: { resource: string }) => e.resource === 'article');
  t.ok(articleEvents.some((e: { id: number }) => e.id === main.id), 'the change feed saw the demo');
});
