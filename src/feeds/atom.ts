import { el, empty, wrap, XML_DECLARATION } from './xml.js';
import { GENERATOR, rfc3339, type FeedDoc, type FeedEntry } from './model.js';

function entry(e: FeedEntry): string {
  return wrap('entry', [
    el('id', e.id),
    // Titles and summaries are plain text (type="text", the default): `<` in a title is a character, not markup.
    el('title', e.title),
    empty('link', { rel: 'alternate', type: 'text/html', href: e.url }),
    el('published', rfc3339(e.published)),
    el('updated', rfc3339(e.updated)),
    e.byline ? wrap('author', [el('name', e.byline)]) : '',
    el('summary', e.summary),
    el('content', e.html, { type: 'html' }),
    ...e.categories.map((c) => empty('category', { term: c })),
    e.externalUrl ? empty('link', { rel: 'via', href: e.externalUrl }) : '',
  ]);
}

/** Atom 1.0 (RFC 4287). The feed's author covers entries without a byline, as §4.1.1 requires. */
export function toAtom(feed: FeedDoc): string {
  const children = [
    el('id', feed.id),
    el('title', feed.title),
    el('subtitle', feed.description),
    el('updated', rfc3339(feed.updated)),
    empty('link', { rel: 'self', type: 'application/atom+xml', href: feed.selfUrl }),
    empty('link', { rel: 'alternate', type: 'text/html', href: feed.homeUrl }),
    wrap('author', [el('name', feed.publisher)]),
    el('generator', GENERATOR),
    ...feed.entries.map(entry),
  ];
  return `${XML_DECLARATION}${wrap('feed', children, { xmlns: 'http://www.w3.org/2005/Atom', 'xml:lang': feed.language })}\n`;
}
