import type { ArticleDto } from '../articles/schemas.js';
import type { PublicUrls } from './urls.js';

/** One article as every feed format needs it: absolute links, a permanent id, times in ms. */
export type FeedEntry = {
  id: string;
  url: string;
  title: string;
  summary: string | null;
  html: string;
  text: string;
  byline: string | null;
  categories: string[];
  image: string | null;
  externalUrl: string | null;
  published: number;
  updated: number;
};

export type FeedDoc = {
  id: string;
  title: string;
  description: string;
  homeUrl: string;
  /** The absolute URL of this very feed, by format. */
  selfUrl: string;
  language: string;
  /** The latest change of anything in the feed; the Unix epoch for an empty feed, so that its body never changes by itself. */
  updated: number;
  publisher: string;
  entries: FeedEntry[];
};

/** Chinese content: BCP 47 `zh` in feeds and ninjs. */
export const CONTENT_LANGUAGE = 'zh';
export const GENERATOR = 'Masthead';

/** An article as a feed entry; the DTO must embed its section (include=section). */
export function toEntry(a: ArticleDto, urls: PublicUrls): FeedEntry {
  const published = Date.parse(a.publishedAt!);
  const updated = Math.max(Date.parse(a.updatedAt), published);
  return {
    id: urls.articleId(a.id),
    url: urls.article({ id: a.id, slug: a.slug, sectionSlug: a.section!.slug }),
    title: a.title,
    summary: a.summary,
    html: a.body,
    text: a.bodyText,
    byline: a.byline,
    categories: [a.section!.name, ...a.tags],
    image: a.coverImageUrl,
    externalUrl: a.sourceUrl,
    published,
    updated,
  };
}

/** The first characters of the text, cut at a character boundary (never inside a surrogate pair). */
export function excerpt(text: string, max = 200): string {
  const chars = [...text.trim()];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max).join('')}…`;
}

export const rfc3339 = (ms: number) => new Date(ms).toISOString();
/** RFC 822 (as updated by RFC 1123) in GMT: `Fri, 27 Nov 2026 08:00:00 GMT`. */
export const rfc822 = (ms: number) => new Date(ms).toUTCString();
