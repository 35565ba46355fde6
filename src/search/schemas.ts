import { z } from 'zod';
import { seedArticleExample } from '../articles/examples.js';
import { id, PageQuery, pageOf, text, timestamp } from '../common/schemas.js';
import { parseSearchQuery, SEARCH_QUERY_MAX } from './query.js';

/** Refused here, naming /q, so that the reader learns what was wrong before any search runs. */
export const SearchText = z
  .string()
  // A cheap guard before counting characters: more UTF-16 units than this is always over the cap.
  .max(SEARCH_QUERY_MAX * 2, `The search query is longer than ${SEARCH_QUERY_MAX} characters.`)
  .superRefine((q, ctx) => {
    const parsed = parseSearchQuery(q);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
  });

export const SEARCH_QUERY_DESCRIPTION =
  `What to search for, up to ${SEARCH_QUERY_MAX} characters. Articles must contain every word; "quoted words" must appear ` +
  'together as written. Chinese is matched by characters, so 甘肃 finds 甘肃省 and any name or abbreviation is found; ' +
  'Latin words and numbers match whole words, without regard to case, width or accents. Everything else (operators, `*`, `:`, ' +
  'parentheses, `-`, punctuation, emoji) is treated as a separator, never as syntax.';

export const SearchQuery = PageQuery.extend({
  q: SearchText.describe(SEARCH_QUERY_DESCRIPTION),
  section: z.string().max(100).optional().describe('Section id or slug; includes its subsections'),
  source: z.string().max(100).optional().describe('Source id or slug'),
  tag: text(1000).optional().describe('Any of these comma-separated tags'),
  publishedAfter: timestamp.optional().describe('publishedAt >= this'),
  publishedBefore: timestamp.optional().describe('publishedAt < this'),
}).strict();

const Ref = (name: string) =>
  z.object({ id, slug: z.string(), name: z.string() }).meta({ id: name, description: `The ${name === 'SectionRef' ? 'section' : 'source'} of a search hit` });

export const SearchHit = z
  .object({
    id,
    title: z.string(),
    slug: z.string(),
    summary: z.string().nullable(),
    publishedAt: timestamp.nullable(),
    section: Ref('SectionRef'),
    source: Ref('SourceRef').nullable(),
    snippet: z
      .string()
      .describe('HTML: an excerpt of about 80 characters around the first hit, escaped, each hit in <mark>…</mark>, … where cut'),
    score: z.number().describe('Relevance (bm25, title weighted above summary above body); higher is better'),
  })
  .meta({
    id: 'SearchHit',
    description: 'An article found by a search.',
    example: {
      id: seedArticleExample.id,
      title: seedArticleExample.title,
      slug: seedArticleExample.slug,
      summary: seedArticleExample.summary,
      publishedAt: seedArticleExample.publishedAt,
      section: { id: 3, slug: 'zhengqing', name: '政情' },
      source: { id: 1, slug: 'tianjin-daily', name: '天津日报' },
      snippet: '4月17日至18日,<mark>甘肃</mark>省党政代表团来津考察,两省市召开天津市·<mark>甘肃</mark>省东西部协作座谈会,并签署一批协作项目协议。',
      score: 4.73,
    },
  });

export const SearchPage = pageOf(SearchHit, 'SearchPage');

export type SearchQueryInput = z.infer<typeof SearchQuery>;
export type SearchHitDto = z.infer<typeof SearchHit>;
export type SearchPageDto = z.infer<typeof SearchPage>;
