import { el, wrap, XML_DECLARATION } from '../feeds/xml.js';
import type { SitemapArticle } from '../store/port.js';

const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9';
/** Google News wants ISO 639 codes, with zh-cn / zh-tw for Simplified / Traditional Chinese; our content is Simplified. */
export const NEWS_LANGUAGE = 'zh-cn';

const iso = (ms: number) => new Date(ms).toISOString();
const doc = (root: string, children: string[], ns: Record<string, string>) => `${XML_DECLARATION}${wrap(root, children.map((c) => `\n${c}`).concat('\n'), ns)}\n`;

export function sitemapIndex(entries: { loc: string; lastmod: number | null }[]): string {
  const items = entries.map((e) => wrap('sitemap', [el('loc', e.loc), e.lastmod === null ? '' : el('lastmod', iso(e.lastmod))]));
  return doc('sitemapindex', items, { xmlns: SITEMAP_NS });
}

export function urlset(articles: SitemapArticle[], loc: (a: SitemapArticle) => string): string {
  return doc('urlset', articles.map((a) => wrap('url', [el('loc', loc(a)), el('lastmod', iso(a.lastmod))])), { xmlns: SITEMAP_NS });
}

export function newsUrlset(articles: SitemapArticle[], loc: (a: SitemapArticle) => string, publicationName: string): string {
  const url = (a: SitemapArticle) =>
    wrap('url', [
      el('loc', loc(a)),
      wrap('news:news', [
        wrap('news:publication', [el('news:name', publicationName), el('news:language', NEWS_LANGUAGE)]),
        el('news:publication_date', iso(a.publishedAt)),
        el('news:title', a.title),
      ]),
    ]);
  return doc('urlset', articles.map(url), { xmlns: SITEMAP_NS, 'xmlns:news': NEWS_NS });
}
