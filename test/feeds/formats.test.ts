import { parseFeed } from '@rowanmanning/feed-parser';
import t from 'tap';
import { call } from '../helpers/app.js';
import { articleTag, BASE, HIDDEN_TITLES, newsroom } from './fixtures.js';
import { assertWellFormed, NASTY_TITLE, parseXml } from './well-formed.js';
import { assertJsonFeed } from './json-feed-schema.js';
import { changeRowQuietly } from '../helpers/change-row-quietly.js';

const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

t.test('feeds in three formats, parsed by real parsers', async (t) => {
  const n = await newsroom(t);
  const { inSub, inParent, sport } = n.visible;
  const order = [inSub, inParent, sport];
  // The sanitised body as the API stores it is what the feeds must carry, byte for byte.
  const stored = (await call(n.app, { method: 'GET', url: `/v1/articles/${inSub.id}` })).body;

  t.test('RSS 2.0', async (t) => {
    const res = await call(n.app, { method: 'GET', url: '/v1/feeds/rss' });
    t.equal(res.status, 200);
    t.equal(res.headers['content-type'], 'application/rss+xml; charset=utf-8');
    t.match(String(res.headers['cache-control']), /^public/, 'anonymous answers may be cached by CDNs');
    const xml = res.body as string;
    assertWellFormed(t, xml, 'rss');
    t.notOk(xml.includes(']]>'), 'no literal ]]> anywhere (it is escaped)');
    t.match(xml, `<atom:link href="${BASE}/v1/feeds/rss" rel="self" type="application/rss+xml"/>`);
    t.match(xml, `<guid isPermaLink="false">${articleTag(inSub.id)}</guid>`);
    const feed = parseFeed(xml);
    t.equal(feed.title, 'Masthead');
    t.equal(feed.language, 'zh');
    t.same(feed.items.map((i) => i.id), order.map((a) => articleTag(a.id)), 'newest first, tag: ids');
    const item = feed.items[0]!;
    t.equal(item.title, NASTY_TITLE, 'Chinese, &, < and ]]> survive the round trip');
    t.equal(item.url, `${BASE}/articles/${inSub.slug}`, 'absolute link from PUBLIC_BASE_URL and the template');
    t.equal(parseXml(xml).rss.channel.item[0]['content:encoded'], stored.body, 'content:encoded is the full sanitised HTML, exactly');
    t.match(item.content, '<p>第二段 <strong>加粗</strong></p>', 'a feed parser reads it as HTML');
    t.equal(item.published?.toISOString(), inSub.publishedAt);
    t.same(item.authors.map((a) => a.name), ['记者 张三'], 'the byline as dc:creator');
    t.same(item.categories.map((c) => c.term), ['政情', '津甘协作', 'A&B']);
    for (const pub of xml.match(/<pubDate>[^<]*<\/pubDate>/g)!) t.match(pub.slice(9, -10), RFC822, 'RFC 822 date');
    t.match(xml, '<description>摘要 &amp;amp; &amp;lt;摘要&amp;gt;</description>', 'plain-text summary is HTML-escaped, then XML-escaped');
    for (const title of HIDDEN_TITLES) t.notOk(xml.includes(title), `${title} does not leak`);
  });

  t.test('Atom 1.0', async (t) => {
    const res = await call(n.app, { method: 'GET', url: '/v1/feeds/atom' });
    t.equal(res.status, 200);
    t.equal(res.headers['content-type'], 'application/atom+xml; charset=utf-8');
    const xml = res.body as string;
    assertWellFormed(t, xml, 'atom');
    t.notOk(xml.includes(']]>'));
    t.match(xml, `<link rel="self" type="application/atom+xml" href="${BASE}/v1/feeds/atom"/>`);
    t.match(xml, '<id>tag:news.example.com,2026:feed</id>');
    t.match(xml, '<content type="html">');
    const feed = parseFeed(xml);
    t.same(feed.items.map((i) => i.id), order.map((a) => articleTag(a.id)));
    const item = feed.items[0]!;
    t.equal(item.title, NASTY_TITLE);
    t.equal(item.url, `${BASE}/articles/${inSub.slug}`);
    t.equal(parseXml(xml).feed.entry[0].content['#text'], stored.body, 'content is the full sanitised HTML, exactly');
    t.match(item.content, '<p>第二段 <strong>加粗</strong></p>');
    t.equal(item.published?.toISOString(), inSub.publishedAt);
    t.same(item.authors.map((a) => a.name), ['记者 张三']);
    t.same(feed.items[1]!.authors.map((a) => a.name), ['Masthead'], 'entries without a byline fall back to the feed author');
    for (const d of xml.match(/<(updated|published)>[^<]*</g)!) t.match(d.replace(/^<\w+>|<$/g, ''), RFC3339, 'RFC 3339 date');
    for (const title of HIDDEN_TITLES) t.notOk(xml.includes(title), `${title} does not leak`);
  });

  t.test('JSON Feed 1.1', async (t) => {
    const res = await call(n.app, { method: 'GET', url: '/v1/feeds/json' });
    t.equal(res.status, 200);
    t.equal(res.headers['content-type'], 'application/feed+json; charset=utf-8');
    const feed = res.body;
    assertJsonFeed(t, feed);
    t.equal(feed.version, 'https://jsonfeed.org/version/1.1');
    t.equal(feed.feed_url, `${BASE}/v1/feeds/json`);
    t.equal(feed.language, 'zh');
    t.same(feed.items.map((i: { id: string }) => i.id), order.map((a) => articleTag(a.id)));
    const item = feed.items[0];
    t.equal(item.title, NASTY_TITLE);
    t.equal(item.content_html, stored.body);
    t.equal(item.content_text, stored.bodyText);
    t.equal(item.url, `${BASE}/articles/${inSub.slug}`);
    t.equal(item.external_url, 'https://www.enorth.com.cn/a/1.html');
    t.equal(item.date_published, inSub.publishedAt);
    t.match(item.date_modified, RFC3339);
    t.same(item.authors, [{ name: '记者 张三' }]);
    t.notOk('author' in item, 'no JSON Feed 1.0 author field');
    for (const title of HIDDEN_TITLES) t.notOk(JSON.stringify(feed).includes(title), `${title} does not leak`);
  });

  t.test('characters XML 1.0 forbids are stripped, never sent', async (t) => {
    // The API refuses control characters; an import or an old row might still hold one.
    // PostgreSQL's text cannot hold a NUL at all (the API answers 400), so there another control character stands in.
    const nul = n.store.dialect === 'postgres' ? '\u0002' : '\u0000';
    await changeRowQuietly(n.store, 'articles', sport.id, { title: '控制\u0001字符\u000b\ufffe', body: `<p>a${nul}b\u001fc</p>` });
    for (const format of ['rss', 'atom']) {
      const xml = (await call(n.app, { method: 'GET', url: `/v1/feeds/${format}` })).body as string;
      assertWellFormed(t, xml, format);
      t.match(xml, '控制字符', `${format}: the title without the forbidden characters`);
      t.match(xml, '&lt;p&gt;abc&lt;/p&gt;', `${format}: the body without them`);
    }
  });
});
