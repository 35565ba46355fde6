import t from 'tap';
import { generate } from '../../bench/generate.js';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { count, exportAll, importBody, ndjson, seedRecords, versions } from './fixtures.js';
import { allArticles } from '../helpers/store-rows.js';

const generated = (articles: number) => ndjson([...generate({ articles, seed: 7 })]);
const recordsOf = (body: string) => body.trim().split('\n').map((l) => JSON.parse(l));

t.test('the generator’s archive imports whole, exports in the same format, and imports again into an empty database', async (t) => {
  const a = await buildTestApp(t);
  const file = generated(120);
  const first = await importBody(a, file, '?batchSize=17');
  t.match(first.body, { failed: 0, unchanged: 0, updated: 0 });
  t.equal(first.body.created, recordsOf(file).length, 'every record of bench/generate.ts is accepted');
  const exported = await exportAll(a);

  const b = await buildTestApp(t);
  const second = await importBody(b, exported, '?batchSize=50');
  t.match(second.body, { failed: 0, created: recordsOf(exported).length });
  t.equal(await exportAll(b), exported, 'exporting the copy gives the same file: slugs, relations, statuses, dates, trash, tags, bodies');

  // What an export must carry, read through the port: content, section by slug, links by target externalId or url, in order.
  const facts = async (ctx: typeof a) => {
    const sections = new Map((await ctx.store.sections.all()).map((s) => [s.id, s.slug]));
    const articles = await allArticles(ctx.store);
    const externalIds = new Map(articles.map((x) => [x.id, x.externalId]));
    const rows = await Promise.all(
      articles.map(async (x) => ({
        externalId: x.externalId, slug: x.slug, status: x.status, publishedAt: x.publishedAt, deletedAt: x.deletedAt, tags: x.tags, body: x.body,
        section: sections.get(x.sectionId),
        links: (await ctx.store.links.ofArticle(x.id)).map((l) => (l.targetArticleId === null ? l.url : externalIds.get(l.targetArticleId))),
      })),
    );
    return rows.sort((x, y) => String(x.externalId).localeCompare(String(y.externalId)));
  };
  t.same(await facts(b), await facts(a), 'the stored content is the same');
  t.ok((await count(a, 'relatedLinks')) > 120, 'the archive has its related links');
  t.ok((await allArticles(a.store)).filter((x) => x.deletedAt !== null).length >= 1, 'trashed articles travel too');

  const before = await versions(a);
  const again = await importBody(a, file, '?batchSize=17');
  t.match(again.body, { created: 0, updated: 0, failed: 0 });
  t.equal(again.body.unchanged, recordsOf(file).length, 're-running the archive changes nothing');
  t.same(await versions(a), before);
});

t.test('export: every record in the import format, filters narrow the articles, editors only', async (t) => {
  const ctx = await buildTestApp(t);
  await importBody(ctx, ndjson([...seedRecords(), { type: 'article', title: '无外部编号', slug: 'wu-wai-bu-bian-hao', section: 'tianjin', relatedLinks: [{ externalId: 'tjrb-20230419-002' }] }]));
  const all = recordsOf(await exportAll(ctx));
  t.same(all.map((r) => r.type), ['section', 'section', 'source', 'article', 'article', 'article']);
  t.same(all[0], { type: 'section', slug: 'tianjin', name: '天津', description: '天津本地新闻', position: 1, parent: null });
  t.same(all[3], {
    type: 'article',
    externalId: 'tjrb-20230419-001',
    slug: 'gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha',
    title: '甘肃省党政代表团来津考察',
    subtitle: null,
    summary: null,
    body: '<p>4月17日至18日,甘肃省党政代表团来津考察。</p><p>市委书记陈敏尔主持座谈会并讲话。</p>',
    byline: null,
    section: 'zhengqing',
    source: 'tianjin-daily',
    sourceUrl: null,
    tags: ['津甘协作', '东西部协作'],
    coverImageUrl: null,
    status: 'published',
    publishedAt: '2023-04-19T00:00:00.000Z',
    deletedAt: null,
    relatedLinks: [{ externalId: 'tjrb-20230419-002' }, { url: 'https://www.enorth.com.cn/news/1.html', title: '联合国预测:2023年印度人口数量将超过中国' }],
  });
  t.match(all[4], { externalId: 'tjrb-20230419-002', relatedLinks: [{ externalId: 'tjrb-20230419-001' }] });
  t.match(all[5], { externalId: null, slug: 'wu-wai-bu-bian-hao' });

  const articlesOf = async (query: string) => recordsOf(await exportAll(ctx, query)).filter((r) => r.type === 'article').map((r) => r.slug);
  t.same(await articlesOf('?section=tianjin'), ['gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha', 'han-fu-ying-tian-li-chun-se-ran-yi-shang', 'wu-wai-bu-bian-hao'], 'a section includes its subsections');
  t.same(await articlesOf('?section=zhengqing'), ['gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha']);
  t.same(await articlesOf('?source=tianjin-daily'), ['gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha']);
  t.equal(recordsOf(await exportAll(ctx, '?section=zhengqing')).filter((r) => r.type !== 'article').length, 3, 'sections and sources always come whole');
  ctx.clock.advance(3_600_000);
  await importBody(ctx, ndjson([{ type: 'article', externalId: 'tjrb-20230419-002', title: '汉服映天理,春色染衣裳', section: 'tianjin', status: 'published' }]));
  t.same(await articlesOf(`?updatedSince=${new Date(ctx.clock.now).toISOString()}`), ['han-fu-ying-tian-li-chun-se-ran-yi-shang']);

  assertProblem(t, await call(ctx.app, { method: 'GET', url: '/v1/export?section=nowhere', headers: ctx.auth.write }), 400, 'validation-failed');
  assertProblem(t, await call(ctx.app, { method: 'GET', url: '/v1/export', headers: ctx.auth.read }), 403, 'insufficient-scope');
  assertProblem(t, await call(ctx.app, { method: 'GET', url: '/v1/export' }), 401);
  const res = await ctx.app.inject({ method: 'GET', url: '/v1/export', headers: ctx.auth.write });
  t.match(String(res.headers['content-type']), /^application\/x-ndjson/);
  t.match(String(res.headers['cache-control']), /no-store/, 'drafts are in it: never cached');
});
