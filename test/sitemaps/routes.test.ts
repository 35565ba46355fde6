import t, { type Test } from 'tap';
import { assertProblem, buildTestApp, call, createKey } from '../helpers/app.js';
import { factories, hoursFrom, writeHeadersOf } from '../helpers/factories.js';
import { assertWellFormed, NASTY_TITLE, parseXml } from '../feeds/well-formed.js';

const BASE = 'https://news.example.com';
const START = '2026-11-27T08:00:00.000Z';
const HIDDEN = ['草稿不可见', '定时不可见', '归档不可见', '删除不可见'];

/** Five visible articles over four days, four hidden ones; sitemap pages of two URLs. */
async function setup(t: Test, publicRead = true) {
  const ctx = await buildTestApp(t, { publicBaseUrl: BASE, publicRead, syndication: { articleUrlTemplate: '{base}/{section}/{slug}?from=sitemap&x=1', publicationName: '津云 & 新闻', sitemapPageSize: 2 } });
  const f = factories(ctx);
  const section = await f.section({ name: '天津', slug: 'tianjin' });
  const at = (h: number) => hoursFrom(START, h);
  const visible = [
    await f.article(section.id, { title: '四天前', publishedAt: at(-96) }),
    await f.article(section.id, { title: NASTY_TITLE, publishedAt: at(-1) }),
    await f.article(section.id, { title: '三天前', publishedAt: at(-72) }),
    await f.article(section.id, { title: '昨天', publishedAt: at(-24) }),
    await f.article(section.id, { title: '刚好两天内', publishedAt: at(-47) }),
  ];
  const trashed = await f.article(section.id, { title: '删除不可见', publishedAt: at(-2) });
  await f.article(section.id, { title: '草稿不可见', status: 'draft' });
  await f.article(section.id, { title: '定时不可见', publishedAt: at(3) });
  await f.article(section.id, { title: '归档不可见', status: 'archived', publishedAt: at(-3) });
  await call(ctx.app, { method: 'DELETE', url: `/v1/articles/${trashed.id}`, headers: writeHeadersOf(ctx) });
  return { ...ctx, f, section, visible };
}

const get = async (app: Awaited<ReturnType<typeof setup>>['app'], url: string, headers: Record<string, string> = {}) => {
  const res = await call(app, { method: 'GET', url, headers });
  return { ...res, xml: res.body as string };
};
const loc = (a: { slug: string }) => `${BASE}/tianjin/${a.slug}?from=sitemap&x=1`;

t.test('the sitemap index lists the article pages and the news sitemap', async (t) => {
  const s = await setup(t);
  const res = await get(s.app, '/sitemap.xml');
  t.equal(res.status, 200);
  t.equal(res.headers['content-type'], 'application/xml; charset=utf-8');
  assertWellFormed(t, res.xml, 'sitemap index');
  const index = parseXml(res.xml).sitemapindex;
  t.equal(index['@xmlns'], 'http://www.sitemaps.org/schemas/sitemap/0.9');
  t.same(index.sitemap.map((m: { loc: string }) => m.loc), [1, 2, 3].map((n) => `${BASE}/sitemaps/articles-${n}.xml`).concat(`${BASE}/sitemaps/news.xml`), 'five URLs, two per page: three pages');
  for (const m of index.sitemap) t.match(m.lastmod, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  t.equal((await get(s.app, '/sitemap.xml', { 'if-none-match': String(res.headers.etag) })).status, 304);
  t.equal((await call(s.app, { method: 'GET', url: '/v1/sitemap.xml' })).status, 404, 'at the root, not under /v1');
});

t.test('article pages: loc and lastmod, every visible article once, nothing hidden', async (t) => {
  const s = await setup(t);
  const seen: string[] = [];
  for (const n of [1, 2, 3]) {
    const res = await get(s.app, `/sitemaps/articles-${n}.xml`);
    t.equal(res.status, 200);
    assertWellFormed(t, res.xml, `page ${n}`);
    t.notOk(res.xml.includes('&x=1'), 'the & of the URL is escaped');
    for (const title of HIDDEN) t.notOk(res.xml.includes(title), `${title} not on page ${n}`);
    const urls = parseXml(res.xml).urlset.url as { loc: string; lastmod: string }[];
    t.ok(urls.length <= 2, 'at most the page size');
    seen.push(...urls.map((u) => u.loc));
    for (const u of urls) t.match(u.lastmod, /Z$/);
  }
  t.same(seen, s.visible.map(loc), 'in id order, each once');
  assertProblem(t, await call(s.app, { method: 'GET', url: '/sitemaps/articles-4.xml' }), 404, 'not-found');
  assertProblem(t, await call(s.app, { method: 'GET', url: '/sitemaps/articles-0.xml' }), 400, 'validation-failed');
  t.equal((await call(s.app, { method: 'GET', url: '/sitemaps/articles-x.xml' })).status, 404);
});

t.test('the Google News sitemap: the last two days, newest first, Chinese titles escaped', async (t) => {
  const s = await setup(t);
  const res = await get(s.app, '/sitemaps/news.xml');
  t.equal(res.status, 200);
  assertWellFormed(t, res.xml, 'news sitemap');
  t.notOk(res.xml.includes(']]>'));
  const set = parseXml(res.xml).urlset;
  t.equal(set['@xmlns:news'], 'http://www.google.com/schemas/sitemap-news/0.9');
  const [recent, yesterday, edge] = [s.visible[1]!, s.visible[3]!, s.visible[4]!];
  t.same(set.url.map((u: { loc: string }) => u.loc), [recent, yesterday, edge].map(loc), 'only the last 48 hours, newest first');
  const first = set.url[0]['news:news'];
  t.same(first['news:publication'], { 'news:name': '津云 & 新闻', 'news:language': 'zh-cn' });
  t.equal(first['news:publication_date'], recent.publishedAt);
  t.equal(first['news:title'], NASTY_TITLE, 'the title round-trips through XML');
  for (const title of HIDDEN) t.notOk(res.xml.includes(title), `${title} does not leak`);

  s.clock.set(hoursFrom(START, 4));
  const later = parseXml((await get(s.app, '/sitemaps/news.xml')).xml).urlset.url.map((u: { 'news:news': { 'news:title': string } }) => u['news:news']['news:title']);
  t.same(later, ['定时不可见', NASTY_TITLE, '昨天'], 'the injected clock: the scheduled article is due, the oldest fell out');
});

t.test('an empty site and sitemaps without public read', async (t) => {
  const empty = await buildTestApp(t, { publicBaseUrl: BASE });
  const index = await get(empty.app, '/sitemap.xml');
  assertWellFormed(t, index.xml, 'empty index');
  t.same(parseXml(index.xml).sitemapindex.sitemap.map((m: { loc: string }) => m.loc), [`${BASE}/sitemaps/news.xml`]);
  assertWellFormed(t, (await get(empty.app, '/sitemaps/news.xml')).xml, 'empty news sitemap');
  assertProblem(t, await call(empty.app, { method: 'GET', url: '/sitemaps/articles-1.xml' }), 404, 'not-found');

  const closed = await setup(t, false);
  assertProblem(t, await call(closed.app, { method: 'GET', url: '/sitemap.xml' }), 401, 'authentication-required');
  assertProblem(t, await call(closed.app, { method: 'GET', url: '/sitemaps/news.xml' }), 401, 'authentication-required');
  const key = await createKey(closed.store, closed.clock, { scope: 'read' });
  t.equal((await call(closed.app, { method: 'GET', url: '/sitemaps/news.xml', headers: key.header })).status, 200);
  const editor = await get(closed.app, '/sitemaps/articles-3.xml', writeHeadersOf(closed));
  for (const title of HIDDEN) t.notOk(editor.xml.includes(title), `an editor’s key gets the public sitemap: no ${title}`);
});
