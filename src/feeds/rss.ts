import { el, empty, wrap, XML_DECLARATION } from './xml.js';
import { excerpt, GENERATOR, rfc822, type FeedDoc, type FeedEntry } from './model.js';

const NAMESPACES = {
  version: '2.0',
  'xmlns:atom': 'http://www.w3.org/2005/Atom',
  'xmlns:content': 'http://purl.org/rss/1.0/modules/content/',
  'xmlns:dc': 'http://purl.org/dc/elements/1.1/',
};

const htmlEscape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function item(e: FeedEntry): string {
  return wrap('item', [
    el('title', e.title),
    el('link', e.url),
    // Not a URL: isPermaLink="false", or readers would take the tag: URI for a link.
    el('guid', e.id, { isPermaLink: 'false' }),
    el('pubDate', rfc822(e.published)),
    // RSS readers render description as HTML: plain text is HTML-escaped before XML escaping.
    el('description', htmlEscape(e.summary ?? excerpt(e.text))),
    el('content:encoded', e.html),
    // <author> must be an e-mail address in RSS 2.0; a byline is a name, which dc:creator carries.
    el('dc:creator', e.byline),
    ...e.categories.map((c) => el('category', c)),
  ]);
}

/** RSS 2.0 with the content module (full HTML), Dublin Core creators and an atom:link to itself. */
export function toRss(feed: FeedDoc): string {
  const channel = wrap('channel', [
    el('title', feed.title),
    el('link', feed.homeUrl),
    el('description', feed.description),
    el('language', feed.language),
    el('lastBuildDate', rfc822(feed.updated)),
    el('generator', GENERATOR),
    empty('atom:link', { href: feed.selfUrl, rel: 'self', type: 'application/rss+xml' }),
    ...feed.entries.map(item),
  ]);
  return `${XML_DECLARATION}${wrap('rss', [channel], NAMESPACES)}\n`;
}
