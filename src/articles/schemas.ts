import { z } from 'zod';
import { httpUrl, id, line, PageQuery, pageOf, slug, text, timestamp } from '../common/schemas.js';
import { ARTICLE_STATUSES } from '../store/port.js';
import { RelatedLink } from '../related-links/schemas.js';
import { SearchText, SEARCH_QUERY_DESCRIPTION } from '../search/schemas.js';
import { Section } from '../sections/schemas.js';
import { Source } from '../sources/schemas.js';
import { seedArticleExample } from './examples.js';

export const ArticleStatus = z
  .enum(ARTICLE_STATUSES)
  .describe('draft: not public; published: public once publishedAt is due; archived: withdrawn from readers');

export const Article = z
  .object({
    id,
    slug: z.string(),
    title: z.string(),
    subtitle: z.string().nullable(),
    summary: z.string().nullable(),
    body: z.string().describe('Sanitised HTML'),
    bodyText: z.string().describe('Plain text derived from body (read-only)'),
    byline: z.string().nullable(),
    sectionId: id,
    sourceId: id.nullable(),
    sourceUrl: z.string().nullable(),
    tags: z.array(z.string()),
    coverImageUrl: z.string().nullable(),
    status: ArticleStatus,
    publishedAt: timestamp.nullable().describe('The date readers see; in the future, the article is scheduled'),
    externalId: z.string().nullable(),
    version: z.number().int().describe('Starts at 1, +1 on every change; the ETag'),
    deletedAt: timestamp.nullable().describe('Set while the article is in the trash'),
    createdAt: timestamp,
    updatedAt: timestamp,
    createdBy: id.nullable().describe('The API key that created the article (editors only)'),
    updatedBy: id.nullable().describe('The API key that last changed the article (editors only)'),
    section: Section.optional().describe('Embedded with include=section'),
    source: Source.nullable().optional().describe('Embedded with include=source'),
    relatedLinks: z.array(RelatedLink).optional().describe('Embedded with include=relatedLinks'),
  })
  .meta({ id: 'Article', description: 'A news article.', example: seedArticleExample });

const tag = line(50).refine((s) => !s.includes(','), 'Tags cannot contain commas');

const fields = {
  slug: slug.describe('Unique ASCII slug; generated from the title (pinyin) when left out'),
  title: line(300),
  subtitle: text(300).nullable(),
  summary: text(2000).nullable(),
  body: text(2_000_000, 0).describe('HTML; sanitised on write to an allowlist suited to news'),
  byline: text(200).nullable(),
  sectionId: id,
  sourceId: id.nullable(),
  sourceUrl: httpUrl.nullable(),
  tags: z.array(tag).max(50).describe('Up to 50 tags; duplicates are removed'),
  coverImageUrl: httpUrl.nullable(),
  status: ArticleStatus,
  publishedAt: timestamp.nullable().describe('Defaults to now when an article is published without one'),
  externalId: line(200).nullable().describe('Your own unique key for this article (imports upsert on it)'),
};

export const ArticleCreate = z
  .strictObject({
    ...fields,
    slug: fields.slug.optional(),
    subtitle: fields.subtitle.optional(),
    summary: fields.summary.optional(),
    body: fields.body.optional(),
    byline: fields.byline.optional(),
    sourceId: fields.sourceId.optional(),
    sourceUrl: fields.sourceUrl.optional(),
    tags: fields.tags.optional(),
    coverImageUrl: fields.coverImageUrl.optional(),
    status: fields.status.optional(),
    publishedAt: fields.publishedAt.optional(),
    externalId: fields.externalId.optional(),
  })
  .meta({
    id: 'ArticleCreate',
    example: {
      title: seedArticleExample.title,
      body: '<p>4月17日至18日,甘肃省党政代表团来津考察。</p>',
      sectionId: 2,
      sourceId: 1,
      tags: ['津甘协作', '东西部协作'],
      status: 'published',
      publishedAt: '2023-04-19T00:00:00.000Z',
    },
  });

export const ArticleUpdate = z.strictObject(fields).partial().meta({
  id: 'ArticleUpdate',
  example: { summary: '两省市召开东西部协作座谈会,签署一批协作项目协议', tags: ['津甘协作'] },
});

export const ARTICLE_FIELDS = Object.keys(Article.shape) as (keyof typeof Article.shape)[];
export const INCLUDES = ['section', 'source', 'relatedLinks'] as const;
export type Include = (typeof INCLUDES)[number];

const csv = <T extends string>(allowed: readonly T[], what: string) =>
  z
    .string()
    .max(1000)
    .transform((s, ctx) => {
      const parts = [...new Set(s.split(',').map((p) => p.trim()).filter(Boolean))];
      const unknown = parts.filter((p) => !allowed.includes(p as T));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `Unknown ${what}: ${unknown.join(', ')}; allowed: ${allowed.join(', ')}` });
        return z.NEVER;
      }
      return parts as T[];
    });

export const ShapeQuery = z.object({
  include: csv(INCLUDES, 'include').optional().describe('Comma-separated relations to embed: section, source, relatedLinks'),
  fields: csv(ARTICLE_FIELDS.filter((f) => !INCLUDES.includes(f as Include)), 'field')
    .optional()
    .describe('Comma-separated fields to return (id is always returned)'),
});

export const ARTICLE_SORTS = ['publishedAt', 'updatedAt', 'createdAt', 'title'] as const;

export const ArticleListQuery = PageQuery.extend({
  ...ShapeQuery.shape,
  sort: z
    .enum([...ARTICLE_SORTS, ...ARTICLE_SORTS.map((s) => `-${s}` as const)])
    .default('-publishedAt')
    .describe('Order; `-` for descending. Default -publishedAt (newest first)'),
  section: z.string().max(100).optional().describe('Section id or slug; includes its subsections'),
  source: z.string().max(100).optional().describe('Source id or slug'),
  status: ArticleStatus.optional().describe('Editors only (readers see published articles)'),
  tag: text(1000).optional().describe('Any of these comma-separated tags'),
  publishedAfter: timestamp.optional().describe('publishedAt >= this'),
  publishedBefore: timestamp.optional().describe('publishedAt < this'),
  updatedSince: timestamp.optional().describe('updatedAt >= this'),
  externalId: text(200).optional(),
  q: SearchText.optional().describe(`Only articles matching this search (the list keeps its own order; see GET /v1/search). ${SEARCH_QUERY_DESCRIPTION}`),
  deleted: z.enum(['true', 'false']).optional().describe('Editors only: `true` lists the trash'),
}).strict();

const { body: _body, bodyText: _bodyText, ...listExample } = seedArticleExample;

/** An article in a list without `fields`: lists leave the body out. */
export const ArticleListItem = Article.omit({ body: true, bodyText: true }).meta({
  id: 'ArticleListItem',
  description: 'An article in a list: every field but body and bodyText (ask for those with `fields`).',
  example: listExample,
});

/** An article answered with `fields=`: only id and what was asked for are there. */
export const ArticleFields = Article.partial()
  .required({ id: true })
  .meta({
    id: 'ArticleFields',
    description: 'An article answered with `fields=…`: id, the fields asked for and the relations `include` embeds; nothing else.',
    example: { id: 1, title: seedArticleExample.title, publishedAt: seedArticleExample.publishedAt },
  });

/** A single article: the whole Article, or ArticleFields when `fields` chose some. */
export const ArticleAnswer = z.union([Article, ArticleFields]).describe('The article; with `fields`, only the fields asked for (ArticleFields)');

export const ArticlePage = pageOf(
  z.union([ArticleListItem, ArticleFields]).describe('ArticleListItem; with `fields`, ArticleFields'),
  'ArticlePage',
);

export type ArticleDto = z.infer<typeof Article>;
export type ArticleCreateInput = z.infer<typeof ArticleCreate>;
export type ArticleUpdateInput = z.infer<typeof ArticleUpdate>;
export type ArticleListQueryInput = z.infer<typeof ArticleListQuery>;
