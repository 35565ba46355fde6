import { z } from 'zod';

export const FEED_LIMIT_DEFAULT = 50;
export const FEED_LIMIT_MAX = 100;

export const FeedQuery = z.strictObject({
  section: z.string().min(1).max(100).optional().describe('Section id or slug; the feed includes its subsections'),
  source: z.string().min(1).max(100).optional().describe('Source id or slug'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(FEED_LIMIT_MAX)
    .default(FEED_LIMIT_DEFAULT)
    .describe(`Number of articles, 1–${FEED_LIMIT_MAX} (default ${FEED_LIMIT_DEFAULT}), newest first`),
});
export type FeedQueryInput = z.infer<typeof FeedQuery>;

const JsonFeedItem = z.object({
  id: z.string().describe('Permanent id (a tag: URI); never changes, even when the slug does'),
  url: z.string(),
  external_url: z.string().optional().describe('The original at the source'),
  title: z.string(),
  content_html: z.string(),
  content_text: z.string(),
  summary: z.string().optional(),
  image: z.string().optional(),
  date_published: z.string(),
  date_modified: z.string(),
  authors: z.array(z.object({ name: z.string() })).optional(),
  tags: z.array(z.string()).optional().describe('The section name, then the article’s tags'),
});

/** For the document only: the route writes the JSON itself (see json-feed.ts). */
export const JsonFeed = z
  .object({
    version: z.literal('https://jsonfeed.org/version/1.1'),
    title: z.string(),
    home_page_url: z.string(),
    feed_url: z.string(),
    description: z.string(),
    language: z.string(),
    authors: z.array(z.object({ name: z.string() })),
    items: z.array(JsonFeedItem),
  })
  .meta({
    id: 'JsonFeed',
    description: 'JSON Feed 1.1',
    example: {
      version: 'https://jsonfeed.org/version/1.1',
      title: 'Masthead · 天津',
      home_page_url: 'https://news.example.com',
      feed_url: 'https://news.example.com/v1/feeds/json?section=tianjin',
      description: '天津',
      language: 'zh',
      authors: [{ name: 'Masthead' }],
      items: [
        {
          id: 'tag:news.example.com,2026:article:1',
          url: 'https://news.example.com/articles/gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha',
          title: '甘肃省党政代表团来津考察',
          content_html: '<p>4月17日至18日,甘肃省党政代表团来津考察。</p>',
          content_text: '4月17日至18日,甘肃省党政代表团来津考察。',
          date_published: '2023-04-19T00:00:00.000Z',
          date_modified: '2023-04-19T00:00:00.000Z',
          tags: ['天津', '津甘协作'],
        },
      ],
    },
  });

export const FEED_FORMATS = {
  rss: { type: 'application/rss+xml', title: 'RSS 2.0' },
  atom: { type: 'application/atom+xml', title: 'Atom 1.0' },
  json: { type: 'application/feed+json', title: 'JSON Feed 1.1' },
} as const;
export type FeedFormat = keyof typeof FEED_FORMATS;
