import t from 'tap';
import { DEMO_ARTICLE, DEMO_RELATED_HEADLINES } from '../../src/demo/content.js';
import { assertProblem, call } from '../helpers/app.js';
import { nextLink } from '../helpers/factories.js';
import { EVAL_ARTICLES, EVAL_QUERIES } from './eval-set.js';
import { searchApp, type Hit } from './helpers.js';

t.test('the evaluation set through GET /v1/search: every must-find found, every must-not absent', async (t) => {
  const { article, ids } = await searchApp(t);
  const idOf = new Map<string, number>();
  for (const a of EVAL_ARTICLES) idOf.set(a.id, (await article(a.title, a.body.split('\n\n'))).id);
  const nameOf = new Map([...idOf].map(([name, id]) => [id, name]));
  for (const query of EVAL_QUERIES) {
    const found = await ids(t, query.q);
    for (const name of query.mustFind) t.ok(found.includes(idOf.get(name)!), `${query.q} finds ${name}`);
    for (const name of query.mustNotFind) t.notOk(found.includes(idOf.get(name)!), `${query.q} does not find ${name}`);
    if (query.best) t.equal(nameOf.get(found[0]!), query.best, `${query.q} ranks ${query.best} first`);
  }
});

t.test('the seed article comes first for its words, among distractors that mention them', async (t) => {
  const { article, ids } = await searchApp(t);
  // Articles that carry a query word in their own headline (中电科…, 京津冀…) would rightly rank first; leave them out.
  const distractors = EVAL_ARTICLES.filter((a) => !['seed', 'cetc', 'jjj'].includes(a.id));
  for (const a of distractors) await article(a.title, a.body.split('\n\n'));
  for (const [i, title] of DEMO_RELATED_HEADLINES.entries()) await article(title, [], { publishedAt: `2023-04-2${i % 10}T00:00:00.000Z` });
  const seed = await article(DEMO_ARTICLE.title, DEMO_ARTICLE.paragraphs.map((p) => p.trim()), { tags: DEMO_ARTICLE.tags });
  for (const q of ['甘肃', '协作', '陈敏尔', '中电科', '京津冀']) {
    const found = await ids(t, q);
    t.equal(found[0], seed.id, `${q}: the seed article first (of ${found.length})`);
  }
});

t.test('a hit: the fields, a highlighted snippet, score, Link header, cache headers', async (t) => {
  const { article, search, make, section } = await searchApp(t);
  const source = await make.source({ name: '天津日报', slug: 'tianjin-daily' });
  const a = await article('甘肃省党政代表团来津考察', [DEMO_ARTICLE.paragraphs[2]!.trim()], { summary: '两省市召开座谈会', sourceId: source.id });
  const res = await search('陈敏尔');
  t.equal(res.status, 200);
  t.match(String(res.headers['content-type']), /^application\/json/);
  t.match(res.headers['cache-control'], /^public/);
  t.same(res.body.page, { nextCursor: null, limit: 100 });
  t.notOk(res.headers.link);
  const hit = res.body.data[0];
  t.same(Object.keys(hit).sort(), ['id', 'publishedAt', 'score', 'section', 'slug', 'snippet', 'source', 'summary', 'title']);
  t.match(hit, { id: a.id, title: '甘肃省党政代表团来津考察', slug: a.slug, summary: '两省市召开座谈会', publishedAt: '2023-04-19T00:00:00.000Z' });
  t.same(hit.section, { id: section.id, slug: 'tianjin', name: '天津' });
  t.same(hit.source, { id: source.id, slug: 'tianjin-daily', name: '天津日报' });
  t.ok(hit.score > 0, 'higher is better');
  t.match(hit.snippet, /^在座谈会上,<mark>陈敏尔<\/mark>说,/, 'starts at the text (nothing cut before)');
  t.ok(hit.snippet.endsWith('…'), 'cut at the end');
  t.ok(Array.from(hit.snippet.replace(/<\/?mark>/g, '')).length <= 100, 'about 80 characters');
});

t.test('snippets: HTML-escaped, every term marked, cut on a boundary, from the summary or title when the body has none', async (t) => {
  const { article, search } = await searchApp(t);
  await article('价格新闻', ['标签&lt;b&gt;&amp;&lt;/b&gt;之后是天津港的<b>新闻</b>,港口 &amp; 码头']);
  const escaped = (await search('天津 码头')).body.data[0].snippet;
  t.equal(escaped, '标签&lt;b&gt;&amp;&lt;/b&gt;之后是<mark>天津</mark>港的新闻,港口 &amp; <mark>码头</mark>');
  const long = '这是一段很长的开头文字。'.repeat(8) + '中电科发布新一代北斗导航芯片,功耗降低三成,' + '定位精度达到厘米级并且持续改进。'.repeat(8);
  await article('芯片', [long]);
  const cut = (await search('中电科')).body.data[0].snippet as string;
  t.match(cut, /^…这是一段很长的开头文字。(这是一段很长的开头文字。)?<mark>中电科<\/mark>/, 'starts after the 。 nearest the window start');
  t.match(cut, /[。,]…$/, 'ends after a boundary, then …');
  await article('甘味特色产品展', [], { summary: '展出<甘味>产品' });
  t.equal((await search('甘味')).body.data[0].snippet, '展出&lt;<mark>甘味</mark>&gt;产品', 'from the summary');
  await article('仅有标题的快讯 Zürich', []);
  t.equal((await search('zurich')).body.data[0].snippet, '仅有标题的快讯 <mark>Zürich</mark>', 'from the title, accents folded');
  await article('标签新闻', ['正文没有那个词'], { tags: ['独家稀有词'] });
  t.equal((await search('稀有词')).body.data[0].snippet, '正文没有那个词', 'a tag-only hit shows the opening, unmarked');
});

const ABUSE = [
  'AND', 'OR', 'NOT', 'NEAR', 'NEAR(天津 甘肃, 2)', '天津 OR 甘肃', 'NOT 天津', '* 天津', '天津*', '^天津', 'title:天津',
  'body : 天津', '{title body}: 天津', '(', ')', '(天津', '"', '"天津', '天津"', '""', '"" ""', "'", '-天津', '+天津', '天津 - 甘肃',
  '\\', '%', '_', '!!!', '，。！', '😀', '😀 天津', '👨‍👩‍👧', '🇨🇳', '《人民日报》', 'c++', 'node.js', '10:30', '3.5%', '天\u200d津',
  'x'.repeat(200), 'x'.repeat(201), '甘'.repeat(200), '甘'.repeat(201), '😀'.repeat(200), '天津 '.repeat(60), '\u0000', '\t\n',
];
// Raw percent-encodings, some of them not UTF-8 at all.
const RAW = ['%ED%A0%80', '%FF%FE', '%E5%A4', '%', '%%', '%2', '%00', '&q=%E5%A4%A9', '[]=a', '%22%22%22'];

t.test('nothing a user types breaks search: 200 or a 400 problem, never a 500', async (t) => {
  const { article, app, search } = await searchApp(t);
  await article('甘肃省党政代表团来津考察', [DEMO_ARTICLE.paragraphs[0]!.trim()]);
  const check = (q: string, res: Awaited<ReturnType<typeof call>>) => {
    if (res.status === 200) t.ok(Array.isArray(res.body.data), `${JSON.stringify(q)} → 200`);
    else assertProblem(t, res, 400);
  };
  for (const q of ABUSE) check(q, await search(q));
  for (const raw of RAW) check(raw, await call(app, { method: 'GET', url: `/v1/search?q=${raw}` }));
  t.equal((await search('(天津) -甘肃')).body.data.length, 1, 'no grouping, no negation: 天津 and 甘肃 must both be there');
  t.equal((await search('天津 OR 甘肃')).body.data.length, 0, 'OR is a word, and not in the article');
  t.equal((await search('title:天津')).body.data.length, 0, 'a column filter is text: "title" is not in the article');
  const empty = assertProblem(t, await search('   '), 400);
  t.same(empty.errors, [{ in: 'query', pointer: '/q', message: 'The search query is empty.' }]);
  t.match(assertProblem(t, await search('😀！'), 400).errors[0], { pointer: '/q', message: /no words or characters/ });
  t.match(assertProblem(t, await search('天'.repeat(201)), 400).errors[0], { pointer: '/q', message: /longer than 200/ });
  t.match(assertProblem(t, await call(app, { method: 'GET', url: '/v1/search' }), 400).errors[0], { pointer: '/q' });
  assertProblem(t, await call(app, { method: 'GET', url: '/v1/search?q=a&unknown=1' }), 400);
});

t.test('filters: section with subsections, source, tag, published window', async (t) => {
  const { article, ids, make, section } = await searchApp(t);
  const sub = await make.section({ name: '滨海', slug: 'binhai', parentId: section.id });
  const other = await make.section({ name: '甘肃', slug: 'gansu' });
  const source = await make.source({ slug: 'tianjin-daily' });
  const inSub = await article('天津港新闻一', [], { sectionId: sub.id, sourceId: source.id, tags: ['港口'] });
  const inTop = await article('天津港新闻二', [], { publishedAt: '2024-01-01T00:00:00.000Z' });
  const elsewhere = await article('天津港新闻三', [], { sectionId: other.id, tags: ['港口', '物流'] });
  t.same((await ids(t, '天津港', '&section=tianjin')).sort(), [inSub.id, inTop.id].sort(), 'section includes subsections');
  t.same(await ids(t, '天津港', `&section=${other.id}`), [elsewhere.id]);
  t.same(await ids(t, '天津港', '&source=tianjin-daily'), [inSub.id]);
  t.same((await ids(t, '天津港', '&tag=港口,不存在')).sort(), [inSub.id, elsewhere.id].sort());
  t.same(await ids(t, '天津港', '&publishedAfter=2023-12-31T00:00:00.000Z'), [inTop.id]);
  t.same((await ids(t, '天津港', '&publishedBefore=2023-12-31T00:00:00.000Z')).length, 2);
});

t.test('pagination: ranked pages without duplicates or gaps, Link header, cursors bound to the query', async (t) => {
  const { article, app, search } = await searchApp(t);
  const made: number[] = [];
  // Equal text, so equal scores: the order falls to publishedAt then id (some share a date).
  for (let i = 0; i < 23; i++) made.push((await article(`天津新闻 ${i}`, ['天津'], { publishedAt: `2023-04-${10 + (i % 7)}T00:00:00.000Z` })).id);
  made.push((await article('天津 天津 天津', ['天津天津'])).id);
  const seen: number[] = [];
  let url: string | undefined = `/v1/search?q=${encodeURIComponent('天津')}&limit=5`;
  let first = true;
  while (url) {
    const res = await call(app, { method: 'GET', url });
    t.equal(res.status, 200);
    seen.push(...res.body.data.map((h: Hit) => h.id));
    if (first) t.equal(res.body.data[0].id, made[23], 'the article with the most 天津 in its title first');
    first = false;
    url = nextLink(res.headers.link);
    t.equal(url !== undefined, res.body.page.nextCursor !== null, 'Link rel="next" exactly when nextCursor is set');
  }
  t.equal(seen.length, made.length, 'every article once');
  t.same([...new Set(seen)].sort(), [...made].sort(), 'no duplicates, no gaps');
  const all = (await search('天津')).body.data.map((h: Hit) => h.id);
  t.same(seen, all, 'pages in the same order as one long page');
  const page1 = await call(app, { method: 'GET', url: `/v1/search?q=${encodeURIComponent('天津')}&limit=5` });
  const cursor = page1.body.page.nextCursor;
  assertProblem(t, await call(app, { method: 'GET', url: `/v1/search?q=${encodeURIComponent('新闻')}&limit=5&cursor=${cursor}` }), 400);
  assertProblem(t, await call(app, { method: 'GET', url: `/v1/search?q=${encodeURIComponent('天津')}&cursor=garbage` }), 400);
  const forged = Buffer.from(JSON.stringify({ s: 'rank', f: 'x', v: ['a', 1], id: 1 })).toString('base64url');
  assertProblem(t, await call(app, { method: 'GET', url: `/v1/search?q=a&cursor=${forged}` }), 400);
});

t.test('q= on GET /v1/articles filters and keeps the list order', async (t) => {
  const { article, app } = await searchApp(t);
  const older = await article('甘肃代表团来津', [], { publishedAt: '2023-04-18T00:00:00.000Z' });
  const newer = await article('来津考察', ['甘肃省党政代表团'], { publishedAt: '2023-04-20T00:00:00.000Z' });
  await article('天津港', []);
  const list = (query: string) => call(app, { method: 'GET', url: `/v1/articles?${query}` });
  const res = await list(`q=${encodeURIComponent('甘肃')}`);
  t.equal(res.status, 200);
  t.same(res.body.data.map((a: { id: number }) => a.id), [newer.id, older.id], 'newest first, not by rank');
  t.same((await list(`q=${encodeURIComponent('甘肃')}&sort=publishedAt`)).body.data.map((a: { id: number }) => a.id), [older.id, newer.id]);
  t.same((await list(`q=${encodeURIComponent('NEAR(')}`)).body.data, [], 'syntax is text');
  t.match(assertProblem(t, await list('q=%20'), 400).errors[0], { pointer: '/q' });
  t.match(assertProblem(t, await list(`q=${encodeURIComponent('，，')}`), 400).errors[0], { pointer: '/q' });
});
