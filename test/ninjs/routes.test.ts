import t, { type Test } from 'tap';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { factories, hoursFrom, writeHeadersOf } from '../helpers/factories.js';
import { assertValidNinjs, isValidNinjs } from './official-schema.js';
import { seedArticle } from './seed.js';

const BASE = 'https://news.example.com';
const tag = (what: string) => `tag:news.example.com,2026:${what}`;

async function setup(t: Test) {
  const ctx = await buildTestApp(t, { publicBaseUrl: BASE });
  const f = factories(ctx);
  const tianjin = await f.section({ name: '天津', slug: 'tianjin' });
  const zhengqing = await f.section({ name: '政情', slug: 'zhengqing', parentId: tianjin.id });
  const seed = seedArticle();
  const daily = await f.source({ name: seed.source, slug: 'tianjin-daily', url: 'https://www.enorth.com.cn/' });
  const related = await f.article(tianjin.id, { title: '汉服映天理,春色染衣裳', publishedAt: '2023-04-18T00:00:00.000Z' });
  const main = await f.article(zhengqing.id, {
    title: seed.title,
    summary: seed.paragraphs[0],
    body: seed.paragraphs.map((p) => `<p>${p}</p>`).join(''),
    sourceId: daily.id,
    sourceUrl: 'https://www.enorth.com.cn/system/2023/04/19/053.shtml',
    tags: ['津甘协作', '东西部协作'],
    externalId: 'enorth-1c8763f15fd8f122',
    coverImageUrl: 'https://img.example.cn/图片/1.jpg',
    publishedAt: '2023-04-19T00:00:00.000Z',
  });
  await f.link(main.id, { targetArticleId: related.id });
  await f.link(main.id, { url: 'https://www.example.com/news?a=1&b=2', title: '第十五届天津蓟州梨园情旅游文化节4月15日开幕' });
  return { ...ctx, f, tianjin, zhengqing, daily, related, main, seed };
}

const ninjs = async (app: Awaited<ReturnType<typeof setup>>['app'], url: string, headers: Record<string, string> = {}) => call(app, { method: 'GET', url, headers });

t.test('the seed article as ninjs 3.2', async (t) => {
  const s = await setup(t);
  const res = await ninjs(s.app, `/v1/articles/${s.main.id}/ninjs`);
  t.equal(res.status, 200);
  t.equal(res.headers['content-type'], 'application/ninjs+json; charset=utf-8');
  t.equal(res.headers.link, '<http://www.iptc.org/std/ninjs/ninjs-schema_3.2.json>; rel="describedby"');
  const doc = res.body;
  assertValidNinjs(t, doc, 'the seed article');
  const stored = (await call(s.app, { method: 'GET', url: `/v1/articles/${s.main.id}` })).body;
  t.equal(doc.uri, tag(`article:${s.main.id}`), 'the same permanent id as the feeds');
  t.same(doc.standard, { name: 'ninjs', version: '3.2', schema: 'http://www.iptc.org/std/ninjs/ninjs-schema_3.2.json#' });
  t.equal(doc.type, 'text');
  t.equal(doc.language, 'zh');
  t.equal(doc.pubStatus, 'usable');
  t.equal(doc.version, String(stored.version));
  t.equal(doc.firstCreated, stored.createdAt);
  t.equal(doc.versionCreated, stored.updatedAt);
  t.equal(doc.contentCreated, '2023-04-19T00:00:00.000Z');
  t.notOk('embargoedUntil' in doc);
  t.same(doc.headlines, [{ role: 'main', value: s.seed.title }]);
  t.same(doc.descriptions, [{ role: 'summary', contentType: 'text/plain', value: s.seed.paragraphs[0] }]);
  t.same(doc.bodies, [
    { role: 'main', contentType: 'text/html', value: stored.body },
    { role: 'main', contentType: 'text/plain', value: stored.bodyText, charCount: [...stored.bodyText].length },
  ]);
  for (const p of s.seed.paragraphs) t.ok(doc.bodies[1].value.includes(p), `body text has「${p.slice(0, 10)}…」`);
  t.same(doc.subjects, [
    { name: '政情', rel: 'section', uri: tag(`section:${s.zhengqing.id}`), literal: 'zhengqing' },
    { name: '天津', rel: 'parentSection', uri: tag(`section:${s.tianjin.id}`), literal: 'tianjin' },
    { name: '津甘协作', rel: 'keyword' },
    { name: '东西部协作', rel: 'keyword' },
  ]);
  t.equal(doc.copyrightHolder, '天津日报');
  t.same(doc.infoSources, [{ name: '天津日报', role: 'source', uri: 'https://www.enorth.com.cn/', literal: 'tianjin-daily' }]);
  t.same(doc.renditions, [{ name: 'web', href: `${BASE}/articles/${s.main.slug}`, contentType: 'text/html' }]);
  t.same(doc.altIds, [
    { role: 'id', value: String(s.main.id) },
    { role: 'externalId', value: 'enorth-1c8763f15fd8f122' },
    { role: 'sourceUrl', value: 'https://www.enorth.com.cn/system/2023/04/19/053.shtml' },
  ]);
  t.equal(doc.slugline, s.main.slug);
  t.same(doc.associations, [
    {
      name: '汉服映天理,春色染衣裳',
      rel: 'related',
      uri: tag(`article:${s.related.id}`),
      type: 'text',
      representationType: 'partial',
      headlines: [{ role: 'main', value: '汉服映天理,春色染衣裳' }],
      renditions: [{ name: 'web', href: `${BASE}/articles/${s.related.slug}`, contentType: 'text/html' }],
    },
    {
      name: '第十五届天津蓟州梨园情旅游文化节4月15日开幕',
      rel: 'related',
      uri: 'https://www.example.com/news?a=1&b=2',
      type: 'text',
      representationType: 'partial',
      headlines: [{ role: 'main', value: '第十五届天津蓟州梨园情旅游文化节4月15日开幕' }],
      renditions: [{ name: 'web', href: 'https://www.example.com/news?a=1&b=2', contentType: 'text/html' }],
    },
    {
      name: 'cover',
      rel: 'cover',
      uri: 'https://img.example.cn/%E5%9B%BE%E7%89%87/1.jpg',
      type: 'picture',
      representationType: 'partial',
      renditions: [{ name: 'original', href: 'https://img.example.cn/%E5%9B%BE%E7%89%87/1.jpg' }],
    },
  ], 'related links in order, then the cover image (non-ASCII URLs percent-encoded)');

  const bySlug = await ninjs(s.app, `/v1/articles/slug/${s.main.slug}/ninjs`);
  t.same(bySlug.body, doc, 'by slug: the same document');
  t.notOk(isValidNinjs({ ...doc, uri: undefined }), 'the validator does refuse a document without uri');
  t.notOk(isValidNinjs({ ...doc, headline: 'x' }), 'and one with an unknown property');
});

t.test('minimal and fuller articles are valid too', async (t) => {
  const s = await setup(t);
  const bare = await s.f.article(s.tianjin.id, { title: '只有标题' });
  const doc = (await ninjs(s.app, `/v1/articles/${bare.id}/ninjs`)).body;
  assertValidNinjs(t, doc, 'an article with only a title');
  t.notOk('descriptions' in doc || 'copyrightHolder' in doc || 'infoSources' in doc || 'associations' in doc || 'by' in doc, 'absent fields are left out, not empty');
  t.same(doc.bodies.map((b: { value: string }) => b.value), ['', '']);
  t.same(doc.subjects, [{ name: '天津', rel: 'section', uri: tag(`section:${s.tianjin.id}`), literal: 'tianjin' }]);

  const full = await s.f.article(s.zhengqing.id, { title: '主标题 & <b>', subtitle: '副标题', byline: '记者 李四', sourceId: s.daily.id, body: '<p>a &amp; b</p>' });
  const fullDoc = (await ninjs(s.app, `/v1/articles/${full.id}/ninjs`)).body;
  assertValidNinjs(t, fullDoc, 'an article with subtitle and byline');
  t.same(fullDoc.headlines, [{ role: 'main', value: '主标题 & <b>' }, { role: 'subhead', value: '副标题' }]);
  t.equal(fullDoc.by, '记者 李四');
});

t.test('what readers and editors see', async (t) => {
  const s = await setup(t);
  const editor = writeHeadersOf(s);
  const draft = await s.f.article(s.tianjin.id, { title: '草稿', status: 'draft' });
  const scheduled = await s.f.article(s.tianjin.id, { title: '定时', publishedAt: hoursFrom('2026-11-27T08:00:00.000Z', 5) });
  const archived = await s.f.article(s.tianjin.id, { title: '归档', status: 'archived' });
  const trashed = await s.f.article(s.tianjin.id, { title: '删除' });
  await call(s.app, { method: 'DELETE', url: `/v1/articles/${trashed.id}`, headers: editor });

  for (const a of [draft, scheduled, archived, trashed]) {
    assertProblem(t, await ninjs(s.app, `/v1/articles/${a.id}/ninjs`), 404, 'not-found');
    assertProblem(t, await ninjs(s.app, `/v1/articles/slug/${a.slug}/ninjs`), 404, 'not-found');
  }
  const expected = [
    [draft, 'withheld', {}],
    [scheduled, 'usable', { embargoedUntil: scheduled.publishedAt }],
    [archived, 'withheld', {}],
    [trashed, 'canceled', { contentCreated: trashed.publishedAt }],
  ] as const;
  for (const [a, status, dates] of expected) {
    const res = await ninjs(s.app, `/v1/articles/${a.id}/ninjs`, editor);
    t.equal(res.status, 200, `editors get ${a.title}`);
    assertValidNinjs(t, res.body, a.title);
    t.equal(res.body.pubStatus, status, `${a.title}: ${status}`);
    t.match(res.body, dates);
    t.equal(res.headers['cache-control'], 'private, no-store');
  }
  t.notOk('contentCreated' in (await ninjs(s.app, `/v1/articles/${scheduled.id}/ninjs`, editor)).body, 'not yet created for readers');
});

t.test('slugs, 304 and errors', async (t) => {
  const s = await setup(t);
  const old = s.main.slug;
  await call(s.app, { method: 'PATCH', url: `/v1/articles/${s.main.id}`, payload: { slug: 'new-slug' }, headers: writeHeadersOf(s) });
  const moved = await ninjs(s.app, `/v1/articles/slug/${old}/ninjs`);
  t.equal(moved.status, 308);
  t.equal(moved.headers.location, '/v1/articles/slug/new-slug/ninjs');
  const doc = await ninjs(s.app, '/v1/articles/slug/new-slug/ninjs');
  t.equal(doc.body.uri, tag(`article:${s.main.id}`), 'the uri survives the slug change');

  const etag = String(doc.headers.etag);
  t.match(etag, /^W\/"ninjs-/);
  t.equal((await ninjs(s.app, `/v1/articles/${s.main.id}/ninjs`, { 'if-none-match': etag })).status, 304);
  await call(s.app, { method: 'PATCH', url: `/v1/sections/${s.zhengqing.id}`, payload: { name: '政情要闻' }, headers: writeHeadersOf(s) });
  const renamed = await ninjs(s.app, `/v1/articles/${s.main.id}/ninjs`, { 'if-none-match': etag });
  t.equal(renamed.status, 200, 'a renamed section changes the document, so the ETag');
  t.equal(renamed.body.subjects[0].name, '政情要闻');

  assertProblem(t, await ninjs(s.app, '/v1/articles/999999/ninjs'), 404, 'not-found');
  assertProblem(t, await ninjs(s.app, '/v1/articles/abc/ninjs'), 400, 'validation-failed');
});
