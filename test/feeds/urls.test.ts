import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createPublicUrls } from '../../src/feeds/urls.js';
import { escapeXml, stripInvalidXml } from '../../src/feeds/xml.js';
import { buildTestApp, call } from '../helpers/app.js';
import { factories } from '../helpers/factories.js';

t.test('article URL template: every placeholder, percent-encoded values', async (t) => {
  const urls = createPublicUrls('https://news.example.com/', 'https://www.example.cn/{section}/{id}-{slug}.html');
  t.equal(urls.article({ id: 42, slug: 'gan-su', sectionSlug: 'zheng qing' }), 'https://www.example.cn/zheng%20qing/42-gan-su.html');
  const base = createPublicUrls('http://localhost:3000', '{base}/a/{id}');
  t.equal(base.article({ id: 7, slug: 'x', sectionSlug: 'y' }), 'http://localhost:3000/a/7');
  t.equal(base.articleId(7), 'tag:localhost,2026:article:7', 'the tag authority is the host, without the port');
  t.equal(urls.feedId({ sectionId: 3 }), 'tag:news.example.com,2026:feed:section-3');
});

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return 'accepted';
}

t.test('ARTICLE_URL_TEMPLATE, PUBLICATION_NAME and SITEMAP_PAGE_SIZE are checked at start-up', async (t) => {
  const defaults = loadConfig({});
  t.same(defaults.syndication, { articleUrlTemplate: '{base}/articles/{slug}', publicationName: 'Masthead', sitemapPageSize: 50_000 });
  t.equal(loadConfig({ ARTICLE_URL_TEMPLATE: 'https://www.example.cn/{section}/{id}.html' }).syndication.articleUrlTemplate, 'https://www.example.cn/{section}/{id}.html');
  const refused = [
    ['{base}/articles/{section}', /Must contain \{id\} or \{slug\}/],
    ['{base}/articles/{slug}/{title}', /Only \{base\}, \{id\}, \{slug\} and \{section\}/],
    ['/articles/{slug}', /Must be an absolute http\(s\) URL/],
    ['ftp://example.com/{id}', /Must be an absolute http\(s\) URL/],
  ] as const;
  for (const [template, message] of refused) {
    t.match(configError({ ARTICLE_URL_TEMPLATE: template }), new RegExp(`ARTICLE_URL_TEMPLATE: ${message.source}`), `${template} is refused`);
  }
  t.match(configError({ SITEMAP_PAGE_SIZE: '50001' }), /SITEMAP_PAGE_SIZE/, 'the protocol allows 50,000 URLs per sitemap');
  t.match(configError({ PUBLICATION_NAME: '   ' }), /PUBLICATION_NAME/);
});

t.test('a custom template shapes every feed link', async (t) => {
  const ctx = await buildTestApp(t, {
    publicBaseUrl: 'https://api.example.cn',
    syndication: { articleUrlTemplate: 'https://www.example.cn/{section}/{id}.html', publicationName: '津云', sitemapPageSize: 50_000 },
  });
  const f = factories(ctx);
  const section = await f.section({ name: '天津', slug: 'tianjin' });
  const a = await f.article(section.id, { title: '新闻' });
  const feed = (await call(ctx.app, { method: 'GET', url: '/v1/feeds/json' })).body;
  t.equal(feed.items[0].url, `https://www.example.cn/tianjin/${a.id}.html`);
  t.equal(feed.items[0].id, `tag:api.example.cn,2026:article:${a.id}`);
  t.equal(feed.title, '津云');
  t.equal(feed.feed_url, 'https://api.example.cn/v1/feeds/json');
});

t.test('XML escaping', async (t) => {
  t.equal(escapeXml(`a & b < c > d " e ' f ]]> 中文`), 'a &amp; b &lt; c &gt; d &quot; e &apos; f ]]&gt; 中文');
  t.equal(stripInvalidXml('a\u0000b\u0008c\u000bd\u000ce\u000ef\u001fg\ufffeh\uffffi'), 'abcdefghi');
  t.equal(stripInvalidXml('tab\tlf\ncr\r'), 'tab\tlf\ncr\r', 'tab and line breaks are allowed');
  t.equal(stripInvalidXml('x\ud800y\udc00z'), 'xyz', 'lone surrogates go');
  t.equal(stripInvalidXml('𠀀 emoji 😀'), '𠀀 emoji 😀', 'surrogate pairs (CJK extension B, emoji) stay');
});
