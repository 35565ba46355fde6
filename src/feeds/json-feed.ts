import { rfc3339, type FeedDoc, type FeedEntry } from './model.js';

const item = (e: FeedEntry) => ({
  id: e.id,
  url: e.url,
  ...(e.externalUrl ? { external_url: e.externalUrl } : {}),
  title: e.title,
  content_html: e.html,
  content_text: e.text,
  ...(e.summary ? { summary: e.summary } : {}),
  ...(e.image ? { image: e.image } : {}),
  date_published: rfc3339(e.published),
  date_modified: rfc3339(e.updated),
  ...(e.byline ? { authors: [{ name: e.byline }] } : {}),
  ...(e.categories.length ? { tags: e.categories } : {}),
});

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): `authors` and `language`, not 1.0's `author`. */
export function toJsonFeed(feed: FeedDoc): string {
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: feed.title,
    home_page_url: feed.homeUrl,
    feed_url: feed.selfUrl,
    description: feed.description,
    language: feed.language,
    authors: [{ name: feed.publisher }],
    items: feed.entries.map(item),
  });
}
