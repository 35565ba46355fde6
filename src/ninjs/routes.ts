import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ArticleRow } from '../articles/rows.js';
import type { ArticleService } from '../articles/service.js';
import type { Viewer } from '../articles/visibility.js';
import { IdParams, SlugParams } from '../common/schemas.js';
import { notModified } from '../http/conditional.js';
import { Ninjs, NINJS_MEDIA_TYPE, NINJS_SCHEMA_URI } from './schemas.js';
import type { NinjsService } from './service.js';

export type NinjsRouteDeps = { articles: ArticleService; ninjsOf: NinjsService; viewerOf: (request: FastifyRequest) => Promise<Viewer> };

const tags = ['ninjs'];
const hash = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 16);
/** Conditional like any item; the 200 also links the ninjs JSON Schema (`Link: rel="describedby"`). */
const cacheable = { conditional: 'read', answerHeaders: { 200: ['etag', 'last-modified', 'link'], 304: ['etag', 'last-modified'] } } as const;
const ok = { description: 'The article as IPTC ninjs 3.2', content: { [NINJS_MEDIA_TYPE]: { schema: Ninjs } } };

const DESCRIPTION =
  'The article as an IPTC ninjs 3.2 news item, valid against the official JSON Schema (its URI is in `standard.schema` and in a `Link: rel="describedby"` header). Readers see published, due articles (pubStatus usable); editors also get drafts and archived articles (withheld, with the publication date as `embargoedUntil` while scheduled) and the trash (canceled). Answers 304 to a matching `If-None-Match`.';

async function answer(request: FastifyRequest, reply: FastifyReply, row: ArticleRow, viewer: Viewer, ninjsOf: NinjsService) {
  const dto = await ninjsOf(row, viewer);
  // The document also shows the section path, the source and related links: a weak ETag of the content, not just the version.
  if (notModified(request, reply, `W/"ninjs-${row.version}-${hash(JSON.stringify(dto))}"`, row.updatedAt)) return reply;
  return reply.type(`${NINJS_MEDIA_TYPE}; charset=utf-8`).header('link', `<${NINJS_SCHEMA_URI.replace(/#$/, '')}>; rel="describedby"`).send(dto);
}

export const ninjsRoutes: FastifyPluginAsyncZod<NinjsRouteDeps> = async (app, deps) => {
  app.get('/articles/:id/ninjs', {
    config: { scope: 'public' },
    schema: { ...cacheable, tags, operationId: 'getArticleNinjs', summary: 'Get an article as IPTC ninjs', description: DESCRIPTION, params: IdParams, response: { 200: ok, 304: z.null() } },
    handler: async (request, reply) => {
      const viewer = await deps.viewerOf(request);
      const row = await deps.articles.get(request.params.id, viewer);
      return answer(request, reply, row, viewer, deps.ninjsOf);
    },
  });

  app.get('/articles/slug/:slug/ninjs', {
    config: { scope: 'public' },
    schema: {
      ...cacheable,
      tags,
      operationId: 'getArticleNinjsBySlug',
      summary: 'Get an article as IPTC ninjs, by slug',
      description: `${DESCRIPTION} A slug the article had before answers 308 with the URL of its current slug.`,
      params: SlugParams,
      response: { 200: ok, 304: z.null(), 308: z.null().describe('Moved: the article has a new slug (see Location); no body') },
    },
    handler: async (request, reply) => {
      const viewer = await deps.viewerOf(request);
      const found = await deps.articles.getBySlug(request.params.slug, viewer);
      if ('movedTo' in found) return reply.redirect(`/v1/articles/slug/${encodeURIComponent(found.movedTo)}/ninjs`, 308);
      return answer(request, reply, found.row, viewer, deps.ninjsOf);
    },
  });
};
