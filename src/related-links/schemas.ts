import { z } from 'zod';
import { httpUrl, id, line, timestamp } from '../common/schemas.js';

const RELATED_LINK_EXAMPLE = {
  id: 1,
  articleId: 1,
  position: 0,
  targetArticleId: 2,
  url: null,
  title: '汉服映天理,春色染衣裳',
  targetSlug: 'han-fu-ying-tian-li-chun-se-ran-yi-shang',
  createdAt: '2023-04-19T00:00:00.000Z',
  updatedAt: '2023-04-19T00:00:00.000Z',
};

export const RelatedLink = z
  .object({
    id,
    articleId: id,
    position: z.number().int(),
    targetArticleId: id.nullable().describe('Set for a link to another article'),
    url: z.string().nullable().describe('Set for an external link'),
    title: z.string().describe("The target article's current title, or the external link's title"),
    targetSlug: z.string().nullable().describe("The target article's current slug (internal links)"),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({
    id: 'RelatedLink',
    description: 'A related headline under an article: another article, or an external URL with a title.',
    example: RELATED_LINK_EXAMPLE,
  });

/**
 * The answer to a link write: the link and the version its article has now. A link is part of
 * its article, so every write bumps the article's version; a client that then PATCHes the article
 * sends `If-Match` with this (it is also in the `Article-ETag` header).
 */
export const RelatedLinkWrite = RelatedLink.extend({
  articleVersion: z.number().int().describe("The article's version after this write: its ETag is `\"<articleVersion>\"`"),
}).meta({
  id: 'RelatedLinkWrite',
  description: 'A related link as written, with the new version of its article.',
  example: {
    ...RELATED_LINK_EXAMPLE,
    articleVersion: 2,
  },
});

const position = z.number().int().min(0).max(10_000).describe('Order under the article; defaults to the end');

export const RelatedLinkCreate = z
  .union([
    z.strictObject({ targetArticleId: id, position: position.optional() }),
    z.strictObject({ url: httpUrl, title: line(300), position: position.optional() }),
  ])
  .meta({
    id: 'RelatedLinkCreate',
    description: 'Either `targetArticleId`, or `url` with `title`.',
    example: { targetArticleId: 2 },
  });

export const RelatedLinkUpdate = z
  .strictObject({ position, title: line(300).describe('External links only') })
  .partial()
  .meta({ id: 'RelatedLinkUpdate', example: { position: 0 } });

export const RelatedLinkList = z.object({ data: z.array(RelatedLink) }).meta({ id: 'RelatedLinkList' });
export const RelatedLinkParams = z.object({
  id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  linkId: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

export const MAX_LINKS_PER_ARTICLE = 100;

export type RelatedLinkDto = z.infer<typeof RelatedLink>;
export type RelatedLinkCreateInput = z.infer<typeof RelatedLinkCreate>;
export type RelatedLinkUpdateInput = z.infer<typeof RelatedLinkUpdate>;
